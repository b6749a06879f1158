import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlyStopping } from '../callbacks/early-stopping.js';
import type { TrainingCallback } from '../callbacks/types.js';
import type { TrainData } from '../train/data.js';
import { train } from '../train/train.js';
import { releaseBackend, useBackend } from './backend.js';
import { requireSwiftShader } from './swiftshader.test-support.js';

// tfjs's webgpu backend has no synchronous readback in Node (dataSync throws "OffscreenCanvas is
// not defined"): every read the trainer does must be async there. Small runs, SwiftShader is slow.
// Same seed and data: webgpu ends within these of cpu (measured here: within 1e-7).
const LOSS_TOLERANCE = 1e-4;
const WEIGHT_TOLERANCE = 1e-3;

const rows = 64;
const x = new Float32Array(rows * 6).map((_, i) => Math.sin(i * 0.37));
const y = new Float32Array(rows).map((_, i) => (Math.cos(i * 0.61) > 0 ? 1 : 0));

function model(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

async function run(
  backend: 'webgpu' | 'cpu',
  data: TrainData,
  epochs: number,
  callbacks: TrainingCallback[] = [],
) {
  const stepLosses: number[] = [];
  const result = await train({
    model,
    data: { train: data },
    epochs,
    batchSize: 32,
    loss: 'binaryCrossentropy',
    seed: 5,
    backend,
    progress: false,
    callbacks: [
      ...callbacks,
      { name: 'steps', onBatchEnd: (_step, logs) => void stepLosses.push(logs.loss) },
    ],
  });
  const weights: number[] = [];
  for (const tensor of result.model.getWeights()) weights.push(...(await tensor.data()));
  result.model.dispose();
  return {
    result,
    weights,
    stepLosses,
    losses: result.history.map((entry) => entry.loss as number),
  };
}

/**
 * A tensor computed on the GPU, as a caller's preprocessing would leave it. (A tensor made from an
 * array keeps its values on the CPU too, where dataSync still works; small ops run on the CPU
 * unless WEBGPU_CPU_FORWARD is off.)
 */
function onGpu(values: Float32Array, shape: [number, number]): tf.Tensor2D {
  const forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  try {
    return tf.tidy(() => tf.add(tf.tensor2d(values, shape), 0));
  } finally {
    tf.env().set('WEBGPU_CPU_FORWARD', forward);
  }
}

function worst(actual: number[], expected: number[]): number {
  expect(actual).toHaveLength(expected.length);
  return Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] as number))));
}

describe('trainer reads on webgpu (SwiftShader) are async and match cpu', () => {
  beforeAll(() => {
    requireSwiftShader();
  });
  afterAll(() => {
    releaseBackend();
  });

  it('early stopping with restoreBestWeights ends on the best epoch, with the weights cpu ends with', async () => {
    const outcome = async (backend: 'webgpu' | 'cpu') => {
      const snapshots: number[][] = [];
      const out = await run(backend, { x, y }, 6, [
        // epoch 1 is best; epochs 2 and 3 do not improve, so patience 2 stops after epoch 3
        {
          name: 'score',
          onEpochEnd: (epoch, logs) => {
            logs.score = [1, 3, 2, 2][epoch] ?? 0;
          },
        },
        {
          name: 'snapshots',
          onEpochEnd: async (_epoch, _logs, context) =>
            void snapshots.push((await context.getWeights()).flatMap((w) => Array.from(w))),
        },
        earlyStopping({ monitor: 'score', mode: 'max', patience: 2, restoreBestWeights: true }),
      ]);
      return { ...out, snapshots };
    };
    const gpu = await outcome('webgpu');
    const cpu = await outcome('cpu');
    expect(gpu.result.backend.name).toBe('webgpu');
    expect(gpu.result.status).toBe('early-stopped');
    expect(gpu.result.stopReason).toContain('weights restored');
    expect(gpu.result.epochs).toBe(4);
    expect(gpu.weights).toEqual(gpu.snapshots[1]); // restored exactly
    expect(gpu.weights).not.toEqual(gpu.snapshots[3]);
    expect(worst(gpu.weights, cpu.weights)).toBeLessThanOrEqual(WEIGHT_TOLERANCE);
    expect(worst(gpu.losses, cpu.losses)).toBeLessThanOrEqual(LOSS_TOLERANCE);
  });

  it('trains from tf.Tensor inputs (in memory, and tensor x with array y in batches); step losses match cpu', async () => {
    const cpu = await run('cpu', { x, y }, 2);
    const cpuBatches = await run(
      'cpu',
      [0, 32].map((from) => ({
        x: x.slice(from * 6, (from + 32) * 6),
        y: y.slice(from, from + 32),
      })),
      2,
    );
    await useBackend('webgpu');
    const xt = onGpu(x, [rows, 6]);
    const yt = onGpu(y, [rows, 1]);
    const batches = [0, 32].map((from) => ({
      x: onGpu(x.slice(from * 6, (from + 32) * 6), [32, 6]),
      y: y.slice(from, from + 32),
    }));
    try {
      // What the trainer must not do with them: a sync read of a GPU-only tensor fails in Node.
      expect(() => xt.dataSync()).toThrow(/OffscreenCanvas/);
      const gpu = await run('webgpu', { x: xt, y: yt }, 2);
      expect(gpu.result.backend.name).toBe('webgpu');
      expect(gpu.stepLosses).toHaveLength(4);
      expect(worst(gpu.stepLosses, cpu.stepLosses)).toBeLessThanOrEqual(LOSS_TOLERANCE);
      expect(worst(gpu.losses, cpu.losses)).toBeLessThanOrEqual(LOSS_TOLERANCE);
      expect(worst(gpu.weights, cpu.weights)).toBeLessThanOrEqual(WEIGHT_TOLERANCE);

      const gpuBatches = await run('webgpu', batches, 2);
      expect(worst(gpuBatches.stepLosses, cpuBatches.stepLosses)).toBeLessThanOrEqual(
        LOSS_TOLERANCE,
      );
      expect(worst(gpuBatches.weights, cpuBatches.weights)).toBeLessThanOrEqual(WEIGHT_TOLERANCE);
    } finally {
      tf.dispose([xt, yt, ...batches.map((batch) => batch.x)]);
    }
  });
});
