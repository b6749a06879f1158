// Training throughput of backend "webgpu" against wasm and cpu in the same run, for the MLP of
// throughput.bench.ts (20-64-64-1) and a small CNN (16x16x1, conv 8 + conv 16, 3x3, max-pool, dense),
// at batch sizes 256 and 4096; also the loss curve of webgpu against cpu for the same seed.
// Prints the WebGPU adapter: on a machine without a GPU that is SwiftShader (software, for tests),
// so its ratios say nothing about a GPU; benchmarks/trainer/gpu/ runs this on a real one.
//
// Run: pnpm --filter @mlinfra/benchmarks exec node --import tsx trainer/webgpu.bench.ts
//   BENCH_QUICK=1: fewer rows. BENCH_ROWS=<n>, BENCH_CNN_ROWS=<n>, BENCH_BATCHES=256,4096: override
//   rows and batch sizes (a batch size above the rows is left out; gpu/pack.mjs traces a tiny run). BENCH_JSON=<file>: also write every number there as JSON.
//   BENCH_BACKENDS=webgpu,wasm,cpu (default): which backends. Without a Vulkan driver chosen
//   (VK_ICD_FILENAMES / VK_DRIVER_FILES) and with Debian's chromium installed, it re-runs itself on
//   SwiftShader (the Vulkan loader must be on LD_LIBRARY_PATH when the process starts).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { type ConcreteBackendName, releaseBackend, train, useBackend } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { result } from './result-line.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (
  process.env.VK_ICD_FILENAMES === undefined &&
  process.env.VK_DRIVER_FILES === undefined &&
  existsSync(SWIFTSHADER_ICD)
) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      VK_ICD_FILENAMES: SWIFTSHADER_ICD,
      LD_LIBRARY_PATH: [process.env.LD_LIBRARY_PATH, '/usr/lib/chromium'].filter(Boolean).join(':'),
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    },
  });
  process.exit(child.status ?? 1);
}

const quick = process.env.BENCH_QUICK === '1';
const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,wasm,cpu').split(
  ',',
) as ConcreteBackendName[];
const batchSizes = (process.env.BENCH_BATCHES ?? '256,4096').split(',').map(Number);
const rowsOverride =
  process.env.BENCH_ROWS === undefined ? undefined : Number(process.env.BENCH_ROWS);
const seed = 1;

interface Workload {
  name: string;
  features: number[];
  /** Rows per timed epoch, a multiple of every batch size (no partial batch, no extra shader). */
  rows: number;
  model: () => tf.LayersModel;
}

function mlp(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, inputShape: [20], activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

function cnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

const workloads: Workload[] = [
  {
    name: 'MLP 20-64-64-1',
    features: [20],
    rows: rowsOverride ?? (quick ? 8192 : 16384),
    model: mlp,
  },
  {
    name: 'CNN 16x16x1 conv8-conv16',
    features: [16, 16, 1],
    rows:
      process.env.BENCH_CNN_ROWS === undefined
        ? (rowsOverride ?? 8192)
        : Number(process.env.BENCH_CNN_ROWS),
    model: cnn,
  },
];

function makeData(rows: number, width: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * width);
  const y = new Float32Array(rows);
  let state = 1;
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let column = 0; column < width; column++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const value = state / 4294967296 - 0.5;
      x[row * width + column] = value;
      sum += value * ((column % 3) - 1);
    }
    y[row] = sum > 0 ? 1 : 0;
  }
  return { x, y };
}

async function fit(
  workload: Workload,
  data: { x: Float32Array; y: Float32Array },
  backend: ConcreteBackendName,
  batchSize: number,
  epochs: number,
): Promise<{ samplesPerSecond: number; losses: number[] }> {
  const started = performance.now();
  const result = await train({
    model: workload.model,
    data: { train: data },
    epochs,
    batchSize,
    loss: 'binaryCrossentropy',
    seed,
    backend,
    progress: false,
  });
  const seconds = (performance.now() - started) / 1000;
  result.model.dispose();
  return {
    samplesPerSecond: (workload.rows * epochs) / seconds,
    losses: result.history.map((entry) => entry.loss as number),
  };
}

const report: {
  node: string;
  adapter?: unknown;
  webgpuError?: string;
  runs: Array<{
    workload: string;
    batchSize: number;
    backend: string;
    samplesPerSecond: number;
    losses: number[];
  }>;
  lossCurves: Array<{ workload: string; batchSize: number; maxAbsDiffVsCpu: number }>;
  failures: Array<{ workload: string; batchSize: number; backend: string; reason: string }>;
} = { node: process.version, runs: [], lossCurves: [], failures: [] };

/** Writes what is measured so far to BENCH_JSON (after every workload, so a timeout keeps it). */
function saveReport(): void {
  if (process.env.BENCH_JSON === undefined) return;
  writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(report, null, 2)}\n`);
}

let adapterLabel = 'webgpu';
const available: ConcreteBackendName[] = [];
for (const backend of backends) {
  try {
    const info = await useBackend(backend);
    if (info.adapter !== undefined) {
      report.adapter = info.adapter;
      adapterLabel = `webgpu on ${info.adapter.description || info.adapter.architecture}${info.adapter.software ? ' (software adapter)' : ''}`;
      console.log(`WebGPU adapter: ${JSON.stringify(info.adapter)}`);
    }
    available.push(backend);
  } catch (error) {
    const message = (error as Error).message;
    if (backend === 'webgpu') report.webgpuError = message;
    console.log(`  ${backend} not available: ${message}`);
  }
}
console.log(
  `trainer backends: ${workloads.map((w) => `${w.name} (${w.rows} rows)`).join(', ')}; batch ${batchSizes.join(' and ')}; 2 timed epochs after a warm-up epoch${quick ? ' (BENCH_QUICK)' : ''}`,
);

for (const workload of workloads) {
  const width = workload.features.reduce((a, b) => a * b, 1);
  const data = makeData(workload.rows, width);
  for (const batchSize of batchSizes) {
    if (batchSize > workload.rows) {
      console.log(`  ${workload.name}, batch ${batchSize}: left out (only ${workload.rows} rows)`);
      continue;
    }
    const rates: Partial<Record<ConcreteBackendName, number>> = {};
    const curves: Partial<Record<ConcreteBackendName, number[]>> = {};
    for (const backend of available) {
      let measured: Awaited<ReturnType<typeof fit>>;
      try {
        await fit(workload, data, backend, batchSize, 1); // warm-up: shader / kernel compilation
        measured = await fit(workload, data, backend, batchSize, 2);
      } catch (error) {
        // e.g. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel: it cannot train a CNN.
        const reason = (error as Error).message;
        report.failures.push({ workload: workload.name, batchSize, backend, reason });
        console.log(
          `  ${workload.name.padEnd(26)} batch ${String(batchSize).padStart(4)}  ${backend.padEnd(6)} cannot train: ${reason}`,
        );
        continue;
      }
      rates[backend] = measured.samplesPerSecond;
      curves[backend] = measured.losses;
      report.runs.push({ workload: workload.name, batchSize, backend, ...measured });
      console.log(
        `  ${workload.name.padEnd(26)} batch ${String(batchSize).padStart(4)}  ${backend.padEnd(6)} ${Math.round(measured.samplesPerSecond).toString().padStart(8)} samples/s  losses ${measured.losses.map((loss) => loss.toFixed(5)).join(' ')}`,
      );
    }
    const gpu = rates.webgpu;
    for (const peer of ['wasm', 'cpu'] as const) {
      const other = rates[peer];
      if (gpu === undefined || other === undefined) continue;
      console.log(
        `  ratio webgpu/${peer} ${workload.name}, batch ${batchSize}: ${(gpu / other).toFixed(3)}x`,
      );
      result(
        `training throughput, ${adapterLabel} over ${peer}, ${workload.name}, batch ${batchSize}`,
        gpu,
        `tfjs ${peer} backend (@mlinfra/trainer)`,
        gpu / other,
        'samples/s',
        'higher',
      );
    }
    if (curves.webgpu !== undefined && curves.cpu !== undefined) {
      const cpu = curves.cpu;
      const diff = Math.max(...curves.webgpu.map((loss, i) => Math.abs(loss - (cpu[i] ?? NaN))));
      report.lossCurves.push({ workload: workload.name, batchSize, maxAbsDiffVsCpu: diff });
      console.log(
        `  loss curve webgpu vs cpu (same seed), ${workload.name}, batch ${batchSize}: max |difference| ${diff.toExponential(2)}`,
      );
    }
    saveReport();
  }
}
releaseBackend();
saveReport();
