// Training throughput per backend (ours vs stock tfjs model.fit, same backend, same run), the wasm/cpu
// ratio, checkpoint overhead at the default cadence, and the cost of a resume.
// Run: pnpm --filter @mlinfra/benchmarks exec node --import tsx trainer/throughput.bench.ts  (BENCH_QUICK=1 for a small setting)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { type ConcreteBackendName, train, useBackend } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { result } from './result-line.js';

const quick = process.env.BENCH_QUICK === '1';
const rows = quick ? 4096 : 32768;
const epochs = 2;
const batchSize = 256;
const features = 20;

function makeData(): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * features);
  const y = new Float32Array(rows);
  let state = 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let column = 0; column < features; column++) {
      const value = next();
      x[row * features + column] = value;
      sum += value * ((column % 3) - 1);
    }
    y[row] = sum > 0 ? 1 : 0;
  }
  return { x, y };
}

function mlp(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 64, inputShape: [features], activation: 'relu' }));
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  return model;
}

const data = makeData();

const common = {
  data: { train: data },
  epochs,
  batchSize,
  loss: 'binaryCrossentropy' as const,
  seed: 1,
  progress: false,
};

async function ours(backend: ConcreteBackendName): Promise<number> {
  const started = performance.now();
  await train({ ...common, model: mlp, backend });
  return (rows * epochs) / ((performance.now() - started) / 1000);
}

async function stockFit(): Promise<number> {
  const model = mlp();
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'binaryCrossentropy' });
  const x = tf.tensor2d(data.x, [rows, features]);
  const y = tf.tensor2d(data.y, [rows, 1]);
  const started = performance.now();
  await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
  const rate = (rows * epochs) / ((performance.now() - started) / 1000);
  tf.dispose([x, y]);
  model.dispose();
  return rate;
}

console.log(
  `trainer throughput: MLP ${features}-64-64-1, ${rows} rows x ${epochs} epochs, batch ${batchSize}${quick ? ' (BENCH_QUICK)' : ''}`,
);
const rates: Partial<Record<ConcreteBackendName, number>> = {};
// webgpu has its own benchmark (webgpu.bench.ts): on a machine without a GPU it runs on software.
for (const backend of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const) {
  try {
    await useBackend(backend);
  } catch (error) {
    console.log(`  ${backend.padEnd(15)} not available: ${(error as Error).message.split('.')[0]}`);
    continue;
  }
  await ours(backend); // warm-up (kernels, wasm compile)
  const mine = await ours(backend);
  await useBackend(backend);
  const peer = await stockFit();
  rates[backend] = mine;
  result(
    `training throughput on ${backend}, MLP ${features}-64-64-1, batch ${batchSize}`,
    mine,
    `tfjs model.fit (${backend})`,
    mine / peer,
    'samples/s',
    'higher',
  );
  console.log(
    `  ${backend.padEnd(15)} @mlinfra/trainer ${Math.round(mine).toString().padStart(7)} samples/s   tfjs model.fit ${Math.round(peer).toString().padStart(7)} samples/s   ratio trainer/fit ${(mine / peer).toFixed(2)}x`,
  );
}
if (rates.wasm !== undefined && rates.cpu !== undefined) {
  console.log(`  ratio wasm/cpu (trainer): ${(rates.wasm / rates.cpu).toFixed(2)}x (target >= 3x)`);
  result(
    'training throughput, wasm over cpu backend (target >= 3x)',
    rates.wasm,
    'tfjs cpu backend (@mlinfra/trainer)',
    rates.wasm / rates.cpu,
    'samples/s',
    'higher',
  );
}

// Checkpoint overhead at the default cadence (each epoch end + every 300 s) and with everySteps: 20, on wasm:
// the time train() itself spent writing checkpoints over the rest of the call (same run, so machine noise
// cancels), and the wall-time difference to a run without checkpoints (best of the repeats).
const folder = await mkdtemp(join(tmpdir(), 'trainer-bench-'));
try {
  const store = createStore(join(folder, 'store'));
  const repeats = quick ? 1 : 3;
  const best = {
    plain: Number.POSITIVE_INFINITY,
    default: Number.POSITIVE_INFINITY,
    dense: Number.POSITIVE_INFINITY,
  };
  const inside = { default: [] as number[], dense: [] as number[] };
  for (let index = 0; index < repeats; index++) {
    const plain = await train({ ...common, model: mlp, backend: 'wasm' });
    best.plain = Math.min(best.plain, plain.wallSeconds);
    const withDefault = await train({
      ...common,
      model: mlp,
      backend: 'wasm',
      checkpoint: { store, name: `bench/default-${index}` },
    });
    best.default = Math.min(best.default, withDefault.wallSeconds);
    inside.default.push(
      withDefault.checkpointSeconds / (withDefault.wallSeconds - withDefault.checkpointSeconds),
    );
    const withDense = await train({
      ...common,
      model: mlp,
      backend: 'wasm',
      checkpoint: { store, name: `bench/dense-${index}`, everySteps: 20 },
    });
    best.dense = Math.min(best.dense, withDense.wallSeconds);
    inside.dense.push(
      withDense.checkpointSeconds / (withDense.wallSeconds - withDense.checkpointSeconds),
    );
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const stepsPerEpoch = Math.ceil(rows / batchSize);
  console.log(
    `  checkpoint overhead (wasm), default cadence (${epochs} checkpoints): ${percent(median(inside.default))} of training time measured inside the run (target <= 5%), wall-time ratio with/without ${(best.default / best.plain).toFixed(3)}x`,
  );
  console.log(
    `  checkpoint overhead (wasm), every 20 steps (${Math.floor(stepsPerEpoch / 20) + 1} per epoch): ${percent(median(inside.dense))} inside the run, wall-time ratio with/without ${(best.dense / best.plain).toFixed(3)}x`,
  );
  result(
    'checkpoint time over training time, default cadence, measured inside the run (target <= 0.05)',
    median(inside.default),
    'training without checkpoints',
    1 + median(inside.default),
    'fraction',
    'lower',
  );
  result(
    'checkpoint time over training time, every 20 steps',
    median(inside.dense),
    'training without checkpoints',
    1 + median(inside.dense),
    'fraction',
    'lower',
  );
  // Resume: time from the train() call until training begins, resuming a checkpoint vs starting fresh.
  const untilBegin = async (extra: object) => {
    let began = 0;
    const started = performance.now();
    await train({
      ...common,
      epochs: epochs + 1,
      model: mlp,
      backend: 'wasm',
      callbacks: [
        {
          name: 'clock',
          onTrainBegin: () => {
            began = performance.now();
          },
        },
      ],
      ...extra,
    });
    return (began - started) / 1000;
  };
  const fresh: number[] = [];
  const resumed: number[] = [];
  for (let index = 0; index < repeats; index++) {
    fresh.push(await untilBegin({}));
    resumed.push(
      await untilBegin({ checkpoint: { store, name: `bench/dense-${index}` }, resume: 'latest' }),
    );
  }
  console.log(
    `  resume: ${(median(resumed) * 1000).toFixed(0)} ms from train() to the first step (read checkpoint, restore weights + Adam state) vs ${(median(fresh) * 1000).toFixed(0)} ms fresh; resume adds ${((median(resumed) - median(fresh)) * 1000).toFixed(0)} ms (target < 1000 ms)`,
  );
  result(
    'time from train() to the first step when resuming (target: adds < 1000 ms)',
    median(resumed) * 1000,
    'a fresh start',
    median(resumed) / Math.max(median(fresh), 1e-6),
    'ms',
    'lower',
  );
} finally {
  await rm(folder, { recursive: true, force: true });
}
