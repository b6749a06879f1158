import type { EpochLogs } from '../callbacks/types.js';
import type { ModelTopology } from './model-topology.js';
import type { RandomState } from './rng.js';

/** How a run ended for good (a resumed run stays ended); see `final-status.ts`. */
export interface FinishedState {
  status: 'completed' | 'early-stopped';
  reason?: string;
}

/** Everything a checkpoint holds besides arrays: the run's position, RNG, history and settings. */
export interface TrainerState {
  seed: number;
  epoch: number;
  stepInEpoch: number;
  step: number;
  rng: RandomState;
  shuffleState: RandomState | null;
  cursor: unknown;
  learningRateFactor: number;
  epochLossSum: number;
  epochSteps: number;
  history: EpochLogs[];
  best: Array<{ step: number; value: number }>;
  deviceSeconds: number;
  finished: FinishedState | null;
  callbacks: Record<string, { json: unknown; arrays: number }>;
  config: TrainerConfig;
}

/** Settings a resumed run must share with the checkpoint it resumes from. */
export interface TrainerConfig {
  weightShapes: number[][];
  batchSize: number;
  optimizer: string;
  /** The model's topology (absent in checkpoints written before it was recorded). */
  topology?: ModelTopology;
}

/** The state of a fresh run. */
export function initialState(seed: number, rng: RandomState, config: TrainerConfig): TrainerState {
  return {
    seed,
    epoch: 0,
    stepInEpoch: 0,
    step: 0,
    rng,
    shuffleState: null,
    cursor: null,
    learningRateFactor: 1,
    epochLossSum: 0,
    epochSteps: 0,
    history: [],
    best: [],
    deviceSeconds: 0,
    finished: null,
    callbacks: {},
    config,
  };
}
