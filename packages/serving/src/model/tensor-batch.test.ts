import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { fixtureRows, onnxFixture } from '../__fixtures__/onnx-fixtures.js';
import { parseTensorRequest } from '../protocol/v2-tensor.js';
import { loadOnnxModel } from './onnx/onnx-model.js';
import { batchKey, runTensorBatch, type TensorCall } from './tensor-batch.js';

describe('runTensorBatch', () => {
  it('joins requests along the batch dimension and gives each its own rows and outputs', async () => {
    const fixture = onnxFixture('ids_and_mask');
    const model = await loadOnnxModel(fixture.bytes);
    const call = (start: number, rows: number, outputs: string[]): TensorCall => {
      const parsed = parseTensorRequest(
        {
          inputs: fixture.inputs.map((tensor) => fixtureRows(tensor, start, rows)),
          outputs: outputs.map((name) => ({ name })),
        },
        model.signature,
        true,
      );
      return { inputs: parsed.inputs, rows: parsed.rows, outputs: parsed.outputs };
    };
    const calls = [call(0, 2, ['count']), call(2, 1, ['pooled', 'count']), call(3, 2, ['pooled'])];
    const results = await runTensorBatch(model, calls, 'model "m"');
    const alone = await Promise.all(calls.map((one) => model.run(one.inputs, one.outputs)));
    results.forEach((result, index) => {
      expect('output' in result).toBe(true);
      const output = (result as { output: Record<string, unknown> }).output;
      expect(Object.keys(output)).toEqual(calls[index]!.outputs);
      for (const name of calls[index]!.outputs) {
        const got = output[name] as { shape: number[]; values: ArrayLike<unknown> };
        expect(got.shape).toEqual(alone[index]![name]!.shape);
        expect(Array.from(got.values)).toEqual(
          Array.from(alone[index]![name]!.values as ArrayLike<unknown>),
        );
      }
    });
    expect(batchKey(calls[0]!)).toBe(batchKey(calls[2]!));
    await model.dispose();
  });

  it('fails only the request whose values onnxruntime rejects', async () => {
    const model = await loadOnnxModel(onnxFixture('ids_and_mask').bytes);
    const make = (id: bigint): TensorCall => ({
      inputs: {
        ids: { datatype: 'INT64', shape: [1, 3], values: BigInt64Array.from([id, 0n, 1n]) },
        mask: { datatype: 'BOOL', shape: [1, 3], values: Uint8Array.from([1, 1, 1]) },
      },
      rows: 1,
      outputs: ['count'],
    });
    const results = await runTensorBatch(model, [make(1n), make(99n), make(2n)], 'model "m"');
    expect('output' in results[0]!).toBe(true);
    expect(ValidationError.isInstance((results[1] as { error: unknown }).error)).toBe(true);
    expect('output' in results[2]!).toBe(true);
    await model.dispose();
  });
});
