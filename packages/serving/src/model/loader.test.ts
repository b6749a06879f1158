import { MlinfraError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { linearPredictor, MemorySource } from '../__fixtures__/predictors.js';
import { createPredictionService, type ModelLoader } from '../index.js';

describe('model loading seam', () => {
  it('picks the loader of the artifact format the source names, tfjs when it names none', async () => {
    const source = new MemorySource();
    source.addVersion('tabular', 1, 'sha256:tabular');
    source.addVersion('vision', 1, 'sha256:vision', 'onnx');
    const calls: string[] = [];
    const loader =
      (format: string, bias: number): ModelLoader =>
      async (resolved) => {
        calls.push(`${format}:${resolved.name}:${resolved.format ?? '-'}`);
        return linearPredictor({ bias });
      };
    await using service = createPredictionService({
      models: ['tabular', 'vision', { name: 'file', path: 'model.onnx', format: 'onnx' }],
      source,
      loaders: { tfjs: loader('tfjs', 1), onnx: loader('onnx', 2) },
    });
    await service.ready();
    expect(calls.sort()).toEqual(['onnx:file:onnx', 'onnx:vision:onnx', 'tfjs:tabular:-']);
    expect(await service.predict('tabular', [[0, 0, 0]])).toEqual([[1]]);
    expect(await service.predict('vision', [[0, 0, 0]])).toEqual([[2]]);
  });

  it('refuses a format no loader handles with an UNSUPPORTED error naming the option', async () => {
    const source = new MemorySource();
    source.addVersion('m', 1, 'sha256:m', 'pmml');
    await using service = createPredictionService({ models: ['m'], source });
    const error = await service.ready().catch((caught: unknown) => caught);
    expect(MlinfraError.isInstance(error)).toBe(true);
    expect((error as MlinfraError).code).toBe('UNSUPPORTED');
    expect((error as Error).message).toMatch(/format "pmml".*known: tfjs.*loaders: \{ "pmml"/);
  });

  it('uses "loader" for every format when given', async () => {
    const source = new MemorySource();
    source.addVersion('m', 1, 'sha256:m', 'onnx');
    const seen: (string | undefined)[] = [];
    await using service = createPredictionService({
      models: ['m'],
      source,
      loader: async (resolved) => {
        seen.push(resolved.format);
        return linearPredictor();
      },
    });
    await service.ready();
    expect(seen).toEqual(['onnx']);
  });

  it('rejects a malformed format name in the options', () => {
    expect(() =>
      createPredictionService({
        models: [{ name: 'm', path: 'x', format: 'ONNX!' }],
      }),
    ).toThrow(/models\.0\.format: a format is a lower-case name/);
  });
});
