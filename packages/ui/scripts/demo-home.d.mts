import type { Store } from '@mlinfra/core';
import type { Datasets } from '@mlinfra/datasets';
import type { PromotionGate, Registry, Run } from '@mlinfra/registry';

export declare const HOSTILE_NAME: string;
export declare const DEMO_GATES: Record<string, Record<string, PromotionGate[]>>;
export declare function buildDemoHome(
  home: string,
  options?: { steps?: number },
): Promise<{
  predictionLog: string;
  store: Store;
  datasets: Datasets;
  registry: Registry;
  runs: string[];
  hostileRun: string;
  liveRun: Run;
  versions: { v1: string; v2: string };
  models: { v1: number; v2: number; v3: number };
}>;
