// GPU check for the trainer's experimental WebGPU backend. Run on a machine with a GPU (Vulkan on
// Linux), with Node and these node_modules carried there, plus the optional peers `webgpu` (Dawn)
// and `@tensorflow/tfjs-backend-webgpu` installed:
//   node benchmarks/trainer/webgpu-check.mjs
// Prints samples/s for webgpu next to wasm and cpu on the same machine, or the error that stopped it.
// Exit code 0 when webgpu trained, 2 when it could not start (the error is printed), 1 on a bug.

import { train, useBackend } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';

const rows = Number(process.env.ROWS ?? 16384);
const features = 20;
const epochs = 2;
const batchSize = Number(process.env.BATCH ?? 512);

const x = new Float32Array(rows * features);
const y = new Float32Array(rows);
let state = 7;
for (let row = 0; row < rows; row++) {
  let sum = 0;
  for (let column = 0; column < features; column++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const value = state / 4294967296 - 0.5;
    x[row * features + column] = value;
    sum += value * ((column % 3) - 1);
  }
  y[row] = sum > 0 ? 1 : 0;
}

function mlp() {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 64, inputShape: [features], activation: 'relu' }));
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  return model;
}

async function measure(backend) {
  const options = {
    model: mlp,
    data: { train: { x, y } },
    epochs,
    batchSize,
    loss: 'binaryCrossentropy',
    seed: 1,
    backend,
    progress: false,
  };
  await train({ ...options, epochs: 1 }); // warm-up: shader/kernel compilation
  const started = performance.now();
  const result = await train(options);
  const seconds = (performance.now() - started) / 1000;
  return { samplesPerSecond: (rows * epochs) / seconds, finalLoss: result.history.at(-1)?.loss };
}

console.log(
  `webgpu check: node ${process.version}, MLP ${features}-64-64-1, ${rows} rows x ${epochs} epochs, batch ${batchSize}`,
);
let webgpu;
try {
  const info = await useBackend('webgpu');
  const adapter = await globalThis.navigator?.gpu?.requestAdapter?.();
  const adapterInfo = adapter?.info ?? {};
  console.log(
    `webgpu backend started (tfjs backend "${info.tfjsBackend}"), adapter: ${JSON.stringify({ vendor: adapterInfo.vendor, architecture: adapterInfo.architecture, device: adapterInfo.device, description: adapterInfo.description })}`,
  );
  webgpu = await measure('webgpu');
  console.log(
    `  webgpu  ${Math.round(webgpu.samplesPerSecond)} samples/s  final loss ${webgpu.finalLoss?.toFixed(4)}`,
  );
} catch (error) {
  console.log(
    `webgpu FAILED: ${error?.name ?? 'Error'} [${error?.code ?? '-'}]: ${error?.message ?? error}`,
  );
  if (error?.cause) console.log(`  cause: ${error.cause?.message ?? error.cause}`);
}
for (const backend of ['wasm', 'cpu']) {
  try {
    const measured = await measure(backend);
    const ratio =
      webgpu === undefined
        ? ''
        : `  ratio webgpu/${backend} ${(webgpu.samplesPerSecond / measured.samplesPerSecond).toFixed(2)}x`;
    console.log(
      `  ${backend.padEnd(6)} ${Math.round(measured.samplesPerSecond)} samples/s  final loss ${measured.finalLoss?.toFixed(4)}${ratio}`,
    );
  } catch (error) {
    console.log(`  ${backend} FAILED: ${error?.message ?? error}`);
    process.exitCode = 1;
  }
}
if (webgpu === undefined && process.exitCode === undefined) process.exitCode = 2;
