import { MissingDependencyError, ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import {
  expectMatchesReference,
  fixtureRows,
  IDS_AND_MASK_SIGNATURE,
  ONNX_FIXTURES,
  onnxFixture,
} from '../../__fixtures__/onnx-fixtures.js';
import { parseTensorRequest } from '../../protocol/v2-tensor.js';
import { loadOnnxModel } from './onnx-model.js';
import { importOnnxRuntime } from './onnx-runtime.js';

describe('loadOnnxModel', () => {
  it.each(
    ONNX_FIXTURES.flatMap((name) => [
      [name, false],
      [name, true],
    ]),
  )('matches Python onnxruntime on %s (worker thread: %s)', async (name, worker) => {
    const fixture = onnxFixture(name);
    const model = await loadOnnxModel(fixture.bytes, { worker });
    expect(model.worker).toBe(worker);
    try {
      const request = parseTensorRequest(
        { inputs: fixture.inputs },
        model.signature,
        model.batched,
      );
      const outputs = await model.run(request.inputs);
      expect(Object.keys(outputs)).toEqual(fixture.outputs.map((tensor) => tensor.name));
      for (const expected of fixture.outputs)
        expectMatchesReference({ name: expected.name, ...outputs[expected.name]! }, expected);
    } finally {
      await model.dispose();
    }
  });

  it('reads names, element types and dynamic batch dimensions from the session', async () => {
    const model = await loadOnnxModel(onnxFixture('ids_and_mask').bytes);
    expect(model.signature).toEqual(IDS_AND_MASK_SIGNATURE);
    expect(model.batched).toBe(true);
    await model.dispose();
    const fixed = await loadOnnxModel(onnxFixture('unbatched').bytes);
    expect(fixed.signature.inputs).toEqual([{ name: 'table', datatype: 'FP32', shape: [4, 3] }]);
    expect(fixed.batched).toBe(false);
    await fixed.dispose();
  });

  it('gives the same rows whether run one by one or as one batch', async () => {
    const fixture = onnxFixture('two_in_two_out');
    const model = await loadOnnxModel(fixture.bytes, { intraOpNumThreads: 1 });
    const whole = parseTensorRequest({ inputs: fixture.inputs }, model.signature, true);
    const batch = await model.run(whole.inputs);
    for (let row = 0; row < whole.rows; row++) {
      const single = parseTensorRequest(
        { inputs: fixture.inputs.map((tensor) => fixtureRows(tensor, row, 1)) },
        model.signature,
        true,
      );
      const one = await model.run(single.inputs, ['embedding']);
      expect(Object.keys(one)).toEqual(['embedding']);
      expect(Array.from(one.embedding!.values as Float64Array)).toEqual(
        Array.from((batch.embedding!.values as Float64Array).subarray(row * 2, row * 2 + 2)),
      );
    }
    await model.dispose();
  });

  it('rejects tensors that do not fit the signature, naming the tensor', async () => {
    const model = await loadOnnxModel(onnxFixture('ids_and_mask').bytes);
    const ids = { datatype: 'INT64' as const, shape: [1, 3], values: new BigInt64Array(3) };
    const mask = { datatype: 'BOOL' as const, shape: [1, 3], values: new Uint8Array(3) };
    await expect(model.run({ ids })).rejects.toThrow(/missing input "mask"/);
    await expect(model.run({ ids, mask: { ...mask, datatype: 'UINT8' } })).rejects.toThrow(
      /input "mask" has datatype BOOL, got UINT8/,
    );
    await expect(model.run({ ids, mask: { ...mask, shape: [1, 4] } })).rejects.toThrow(
      /input "mask" must have shape \[n, 3\]/,
    );
    await expect(model.run({ ids, mask }, ['nope'])).rejects.toThrow(ValidationError);
    // Token id 12 passes the signature but is outside the embedding: onnxruntime's refusal is a 400.
    const outOfRange = { ...ids, values: BigInt64Array.from([12n, 0n, 0n]) };
    await expect(model.run({ ids: outOfRange, mask })).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /onnxruntime rejected/.test(String(error)),
    );
    await model.dispose();
    await expect(model.run({ ids, mask })).rejects.toThrow(/disposed/);
  });

  it('rejects bytes that are not an ONNX model and unknown session options', async () => {
    await expect(loadOnnxModel(new TextEncoder().encode('not a model'))).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /valid \.onnx file/.test(String(error)),
    );
    await expect(
      loadOnnxModel(onnxFixture('mlp').bytes, { intraOpThreads: 2 } as never),
    ).rejects.toThrow(ValidationError);
    await expect(
      loadOnnxModel(onnxFixture('mlp').bytes, { executionProviders: ['tpu'] } as never),
    ).rejects.toThrow(/executionProviders/);
  });

  it('says how to get an execution provider this install lacks', async () => {
    // The npm package ships only the CPU provider (the CUDA one comes from its install script).
    const error = await loadOnnxModel(onnxFixture('mlp').bytes, {
      executionProviders: ['cuda'],
    }).catch((caught: unknown) => caught);
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/executionProviders cuda .*executionProviders: \['cpu'\]/);
  });

  it('applies session options', async () => {
    const model = await loadOnnxModel(onnxFixture('mlp').bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'disabled',
      executionProviders: ['cpu'],
    });
    const fixture = onnxFixture('mlp');
    const request = parseTensorRequest({ inputs: fixture.inputs }, model.signature, true);
    expectMatchesReference(
      { name: 'probabilities', ...(await model.run(request.inputs)).probabilities! },
      fixture.outputs[0]!,
    );
    await model.dispose();
  });
});

describe('importOnnxRuntime', () => {
  it('names the install command when onnxruntime-node is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'onnxruntime-node'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await importOnnxRuntime(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/npm install onnxruntime-node@1\.30\.0 --ignore-scripts/);
    expect(String(error)).toMatch(/allowBuilds/);
    expect((error as Error).cause).toBe(missing);
    await expect(
      loadOnnxModel(onnxFixture('mlp').bytes, {}, () => Promise.reject(missing)),
    ).rejects.toThrow(MissingDependencyError);
  });

  it('says so when the installed package fails to load or is not onnxruntime', async () => {
    await expect(
      importOnnxRuntime(() => Promise.reject(new Error('libonnxruntime.so.1: cannot open'))),
    ).rejects.toThrow(/installed but failed to load \(libonnxruntime/);
    await expect(importOnnxRuntime(() => Promise.resolve({}))).rejects.toThrow(
      /no InferenceSession/,
    );
  });
});
