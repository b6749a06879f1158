// The structural interfaces other packages consume (see DESIGN.md), declared once in the type-only
// @mlinfra/core/contracts: a registry satisfies them without importing the trainer or serving.
import type {
  ModelSource as ServingModelSource,
  RunLogger as TrainerRunLogger,
} from '@mlinfra/core/contracts';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { temporaryRegistry } from './__fixtures__/temporary-registry.js';
import type { Registry, Run } from './index.js';

interface RunLoggerStepFirst {
  logParams(params: Record<string, string | number | boolean>): Promise<void>;
  logMetrics(step: number, values: Record<string, number>): Promise<void>;
  logArtifact(name: string, data: Uint8Array): Promise<unknown>;
  setTags(tags: Record<string, string>): Promise<void>;
}

interface RunLoggerValuesFirst {
  logParams(params: Record<string, string | number | boolean>): Promise<void>;
  logMetrics(values: Record<string, number>, options?: { step?: number }): Promise<void>;
  logArtifact(name: string, data: Uint8Array): Promise<unknown>;
  setTags(tags: Record<string, string>): Promise<void>;
}

interface ModelSource {
  resolve(
    reference: string,
  ): Promise<{ name: string; version: number; artifact: string; aliases: string[] }>;
  watch(
    name: string,
  ): AsyncIterable<{ action: string; model?: string; version?: number; alias?: string }>;
}

let registry: Registry;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ registry, cleanup } = await temporaryRegistry());
});
afterEach(async () => {
  await cleanup();
});

async function trainLikeTheTrainer(logger: RunLoggerStepFirst): Promise<void> {
  await logger.logParams({ epochs: 2 });
  for (let step = 0; step < 2; step++) await logger.logMetrics(step, { loss: 1 - step / 2 });
  await logger.logArtifact('model.json', new TextEncoder().encode('{}'));
  await logger.setTags({ trainer: 'tfjs' });
}

describe('structural contracts', () => {
  it('a Run is a RunLogger in both logMetrics styles', async () => {
    expectTypeOf<Run>().toExtend<RunLoggerStepFirst>();
    expectTypeOf<Run>().toExtend<RunLoggerValuesFirst>();
    const run = await registry.startRun();
    await trainLikeTheTrainer(run);
    await run.end();
    const record = await registry.getRun(run.id);
    expect(record.params).toEqual({ epochs: 2 });
    expect(record.metrics).toEqual({ loss: 0.5 });
    expect(record.artifacts.map((artifact) => artifact.name)).toEqual(['model.json']);
  });

  it("satisfies the trainer's RunLogger as declared there, including a checkpoint by digest", async () => {
    expectTypeOf<Run>().toExtend<TrainerRunLogger>();
    const run = await registry.startRun();
    const logger: TrainerRunLogger = run;
    const { digest } = await registry.store.put('checkpoint bytes');
    await logger.logParams({ epochs: 1 });
    await logger.logMetrics({ loss: 0.3 }, { step: 7 });
    await logger.logArtifact?.('checkpoint', { digest });
    await run.end();
    const record = await registry.getRun(run.id);
    expect(record.artifacts.map((artifact) => [artifact.name, artifact.digest])).toEqual([
      ['checkpoint', digest],
    ]);
    expect(await registry.metricHistory(run.id, 'loss')).toMatchObject([{ step: 7, value: 0.3 }]);
  });

  it("satisfies serving's ModelSource as declared there, bare names included", async () => {
    expectTypeOf<Registry>().toExtend<ServingModelSource>();
    const source: ServingModelSource = registry;
    await registry.registerModel('served', { artifact: new Uint8Array([1]) });
    await registry.registerModel('served', { artifact: new Uint8Array([2]) });
    expect((await source.resolve('served')).version).toBe(2);
    const listed = await source.listVersions!('served');
    expect('versions' in listed ? listed.versions.map((version) => version.version) : []).toEqual([
      2, 1,
    ]);
    const events: unknown[] = [];
    const stop = source.subscribe!('served', (event) => events.push(event));
    await registry.setAlias('served', 'champion', 1);
    await expect.poll(() => events.length).toBe(1);
    stop();
  });

  it('a Registry is a ModelSource', async () => {
    expectTypeOf<Registry>().toExtend<ModelSource>();
    const source: ModelSource = registry;
    await registry.registerModel('m', { artifact: new Uint8Array([1]) });
    await registry.setAlias('m', 'champion', 1);
    const resolved = await source.resolve('m@champion');
    expect(resolved).toMatchObject({ name: 'm', version: 1, aliases: ['champion'] });
    expect(resolved.artifact).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
