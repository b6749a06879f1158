import { MissingDependencyError, MlinfraError, ValidationError } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpOnnx } from '../../__fixtures__/mlp-onnx.js';
import { onnxFixture } from '../../__fixtures__/onnx-fixtures.js';
import type { NamedTensors } from '../tensor.js';
import { loadOnnxModel, type OnnxModel } from './onnx-model.js';

// 21M parameters (84 MB of weights): one row takes milliseconds on any CPU, far above the
// 0.5 ms at which 'auto' moves a session to a worker thread.
const SLOW_WIDTHS = [1024, 4096, 4096, 16];

function rows(count: number, seed: number): NamedTensors {
  const values = new Float32Array(count * SLOW_WIDTHS[0]!).map((_, i) => Math.sin(i + seed));
  return { features: { datatype: 'FP32', shape: [count, SLOW_WIDTHS[0]!], values } };
}

describe('ONNX sessions on a worker thread', () => {
  let bytes: Uint8Array;
  let slow: OnnxModel;
  let inline: OnnxModel;

  beforeAll(async () => {
    bytes = mlpOnnx(SLOW_WIDTHS);
    slow = await loadOnnxModel(bytes, { intraOpNumThreads: 1 });
    inline = await loadOnnxModel(bytes, { intraOpNumThreads: 1, worker: false });
  }, 120_000);
  afterAll(async () => {
    await slow?.dispose();
    await inline?.dispose();
  });

  it("'auto' keeps a fast model on the calling thread and moves a slow one to a worker", async () => {
    const fast = await loadOnnxModel(onnxFixture('mlp').bytes);
    expect(fast.worker).toBe(false);
    await fast.dispose();
    expect(slow.worker).toBe(true);
    expect(inline.worker).toBe(false);
  });

  it('answers as the same session on the calling thread does, for concurrent runs', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => rows(1 + (i % 4), i));
    const [onWorker, onCaller] = await Promise.all([
      Promise.all(inputs.map((input) => slow.run(input))),
      Promise.all(inputs.map((input) => inline.run(input))),
    ]);
    for (const [i, outputs] of onWorker.entries()) {
      expect(outputs.scores!.shape).toEqual([1 + (i % 4), 16]);
      expect(Array.from(outputs.scores!.values as Float32Array)).toEqual(
        Array.from(onCaller[i]!.scores!.values as Float32Array),
      );
    }
    // The caller's input arrays are copied to the worker, not taken from it.
    expect(inputs[0]!.features!.values.length).toBe(SLOW_WIDTHS[0]);
  });

  it('keeps the event loop free while a batch runs', async () => {
    const order: string[] = [];
    const running = slow.run(rows(8, 1)).then(() => order.push('run'));
    setImmediate(() => order.push('event loop'));
    await running;
    expect(order).toEqual(['event loop', 'run']);
    // On the calling thread the same run holds the event loop until it is done.
    order.length = 0;
    const blocking = inline.run(rows(8, 1)).then(() => order.push('run'));
    setImmediate(() => order.push('event loop'));
    await blocking;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['run', 'event loop']);
  });

  it('reports bad inputs and bad bytes as it does on the calling thread', async () => {
    await expect(
      slow.run({ features: { datatype: 'FP32', shape: [1, 3], values: new Float32Array(3) } }),
    ).rejects.toThrow(ValidationError);
    await expect(loadOnnxModel(new Uint8Array([1, 2, 3]), { worker: true })).rejects.toThrow(
      /could not load the model/,
    );
  });

  it.each([true, false])(
    'finishes the runs in flight before dispose releases the session (worker thread: %s)',
    async (worker) => {
      const model = await loadOnnxModel(onnxFixture('mlp').bytes, { worker });
      const input: NamedTensors = {
        features: { datatype: 'FP32', shape: [1, 8], values: new Float32Array(8).fill(0.5) },
      };
      const runs = Array.from({ length: 20 }, () => model.run(input));
      await model.dispose();
      const outputs = await Promise.all(runs);
      for (const output of outputs) expect(Object.values(output)[0]!.shape).toEqual([1, 3]);
    },
  );

  it('refuses runs after dispose, and dispose twice is harmless', async () => {
    const model = await loadOnnxModel(onnxFixture('mlp').bytes, { worker: true });
    expect(model.worker).toBe(true);
    await model.dispose();
    await model.dispose();
    await expect(
      model.run({ features: { datatype: 'FP32', shape: [1, 8], values: new Float32Array(8) } }),
    ).rejects.toThrow(MlinfraError);
  });

  it('needs onnxruntime-node as a file for a worker: a custom importer runs on the calling thread', async () => {
    const importer = () => import('onnxruntime-node');
    const bytes = onnxFixture('mlp').bytes;
    await expect(loadOnnxModel(bytes, { worker: true }, importer)).rejects.toSatisfy(
      MissingDependencyError.isInstance,
    );
    const model = await loadOnnxModel(mlpOnnx(SLOW_WIDTHS), {}, importer);
    expect(model.worker).toBe(false);
    await model.dispose();
  });
});
