// Child process for the webgpu tests: starts backend "webgpu" from the built package, trains a tiny
// MLP on it and ends WITHOUT calling releaseBackend, so the parent can check the process exits on
// its own. Prints one JSON line: { adapter, losses } or { error: { name, code, message } }.
import * as tf from '@tensorflow/tfjs';
import { train } from '../../../dist/index.js';

const rows = 64;
const x = new Float32Array(rows * 4).map((_, i) => Math.sin(i));
const y = new Float32Array(rows).map((_, i) => (Math.cos(i) > 0 ? 1 : 0));
try {
  const result = await train({
    model: () =>
      tf.sequential({
        layers: [tf.layers.dense({ inputShape: [4], units: 1, activation: 'sigmoid' })],
      }),
    data: { train: { x, y } },
    epochs: 1,
    batchSize: 32,
    loss: 'binaryCrossentropy',
    seed: 1,
    backend: 'webgpu',
    progress: false,
  });
  console.log(
    JSON.stringify({ adapter: result.backend.adapter, losses: result.history.map((h) => h.loss) }),
  );
} catch (error) {
  console.log(
    JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } }),
  );
}
