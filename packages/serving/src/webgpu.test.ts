import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { releaseBackend, saveModelArtifact, useBackend } from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The trainer's test support points Vulkan at SwiftShader (see vitest.config.ts's globalSetup).
import { requireSwiftShader } from '../../trainer/src/backend/swiftshader.test-support.js';
import { MemorySource } from './__fixtures__/predictors.js';
import { createServer, type ModelServer } from './index.js';

// A small CNN on 6x6 one-channel images, seeded so the cpu reference is fixed.
function cnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 3,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
        biasInitializer: tf.initializers.constant({ value: 0.05 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
      }),
    ],
  });
}

describe('serving a model on backend "webgpu" (SwiftShader here)', () => {
  let folder: string;
  let server: ModelServer | undefined;
  beforeAll(async () => {
    requireSwiftShader();
    folder = await mkdtemp(join(tmpdir(), 'serving-webgpu-'));
  });
  afterAll(async () => {
    await server?.close();
    releaseBackend();
    await rm(folder, { recursive: true, force: true });
  });

  it('answers V2 infer over HTTP like the cpu backend (within 1e-5)', async () => {
    await useBackend('cpu');
    const model = cnn();
    const { id } = await saveModelArtifact(createStore(folder), model);
    const rows = 5;
    const pixels = Array.from({ length: rows * 36 }, (_, i) => (Math.sin(i * 0.7) + 1) / 2);
    const input = tf.tensor4d(pixels, [rows, 6, 6, 1]);
    const output = model.predict(input) as tf.Tensor;
    const expected = Array.from(await output.data());
    tf.dispose([input, output]);
    model.dispose();

    const source = new MemorySource();
    source.addVersion('digits', 1, id);
    server = createServer({
      models: ['digits'],
      source,
      store: folder,
      backend: 'webgpu',
      shutdown: { signals: [] },
    });
    const { port } = await server.listen(0, '127.0.0.1');
    await server.ready();
    expect(tf.getBackend()).toBe('webgpu');
    const metadata = (await (await fetch(`http://127.0.0.1:${port}/v2/models/digits`)).json()) as {
      inputs: Array<{ name: string }>;
    };
    const reply = await fetch(`http://127.0.0.1:${port}/v2/models/digits/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            name: metadata.inputs[0]?.name,
            shape: [rows, 6, 6, 1],
            datatype: 'FP32',
            data: pixels,
          },
        ],
      }),
    });
    expect(reply.status).toBe(200);
    const body = (await reply.json()) as { outputs: Array<{ shape: number[]; data: number[] }> };
    expect(body.outputs[0]?.shape).toEqual([rows, 2]);
    const actual = body.outputs[0]?.data ?? [];
    expect(actual).toHaveLength(expected.length);
    const worst = Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] as number))));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});
