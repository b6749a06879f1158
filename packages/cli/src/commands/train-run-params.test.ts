import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@mlinfra/registry';
import { train } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// A registry run handed to the trainer as its logger (what `mlinfra train` and users do), with
// params the user logged when starting the run.
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlinfra-run-params-'));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function data() {
  const x = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(i)]);
  return { x, y: x.map(([a = 0]) => (a > 0 ? 1 : 0)) };
}

const model = () =>
  tf.sequential({
    layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: 'sigmoid' })],
  });

describe('training into a run that already holds params', () => {
  it("keeps the caller's params and records training's differing values as trainer.<name>", async () => {
    const registry = await openRegistry({ database: join(work, 'registry.db') });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const run = await registry.startRun({
        experiment: 'params',
        params: { optimizer: 'adam', batchSize: 64, epochs: 2, note: 'mine' },
      });
      const result = await train({
        model,
        data: { train: data() },
        epochs: 2,
        batchSize: 32,
        optimizer: { type: 'adam', learningRate: 0.01 },
        loss: 'binaryCrossentropy',
        backend: 'cpu',
        seed: 1,
        logger: run,
      });
      expect(result.status).toBe('completed');
      await run.end();
      const params = (await registry.getRun(run.id)).params;
      expect(params).toMatchObject({
        optimizer: 'adam',
        batchSize: 64,
        epochs: 2,
        note: 'mine',
        'trainer.optimizer': 'Adam',
        'trainer.batchSize': 32,
        learningRate: 0.01,
      });
      // Values that agree are not duplicated under the prefix.
      expect(params).not.toHaveProperty('trainer.epochs');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => (warning as Error & { code?: string }).code)).toContain(
        'MLINFRA_PARAM_CONFLICT',
      );
    } finally {
      process.off('warning', onWarning);
      await registry.close();
    }
  });
});
