import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../train/train.js';
import { releaseBackend } from './backend.js';
import { requireSwiftShader } from './swiftshader.test-support.js';

// A checkpoint written on one backend resumes on the other and ends where an uninterrupted cpu run
// ends, within these (measured here: within 1e-7).
const LOSS_TOLERANCE = 1e-4;
const WEIGHT_TOLERANCE = 1e-3;

const rows = 192;
const x = new Float32Array(rows * 6).map((_, i) => Math.sin(i * 0.37));
const y = new Float32Array(rows).map((_, i) => (Math.cos(i * 0.61) > 0 ? 1 : 0));

function model(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 12, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

async function run(
  backend: 'webgpu' | 'cpu',
  epochs: number,
  checkpoint?: { store: Store; name: string },
) {
  const result = await train({
    model,
    data: { train: { x, y } },
    epochs,
    batchSize: 32,
    loss: 'binaryCrossentropy',
    optimizer: 'adam',
    seed: 11,
    backend,
    progress: false,
    ...(checkpoint === undefined ? {} : { checkpoint, resume: 'latest' as const }),
  });
  const weights: number[] = [];
  for (const tensor of result.model.getWeights()) weights.push(...(await tensor.data()));
  result.model.dispose();
  return { result, weights, losses: result.history.map((entry) => entry.loss as number) };
}

function worst(actual: number[], expected: number[]): number {
  expect(actual).toHaveLength(expected.length);
  return Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] as number))));
}

describe('checkpoints move between the webgpu and cpu backends', () => {
  let folder: string;
  let reference: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    requireSwiftShader();
    folder = await mkdtemp(join(tmpdir(), 'trainer-webgpu-checkpoint-'));
    reference = await run('cpu', 4);
  });
  afterAll(async () => {
    releaseBackend();
    await rm(folder, { recursive: true, force: true });
  });

  for (const [first, second] of [
    ['webgpu', 'cpu'],
    ['cpu', 'webgpu'],
  ] as const) {
    it(`2 epochs on ${first}, resumed on ${second} for 2 more, end like 4 epochs on cpu`, async () => {
      const checkpoint = { store: createStore(join(folder, first)), name: 'run' };
      const before = await run(first, 2, checkpoint);
      expect(before.result.backend.name).toBe(first);
      expect(before.result.status).toBe('completed');
      const after = await run(second, 4, checkpoint);
      expect(after.result.backend.name).toBe(second);
      expect(after.result.resumedFrom?.step).toBe(12); // 2 epochs x 6 steps
      expect(after.result.epochs).toBe(4);
      expect(after.losses).toHaveLength(4);
      expect(worst(after.losses, reference.losses)).toBeLessThanOrEqual(LOSS_TOLERANCE);
      expect(worst(after.weights, reference.weights)).toBeLessThanOrEqual(WEIGHT_TOLERANCE);
    });
  }
});
