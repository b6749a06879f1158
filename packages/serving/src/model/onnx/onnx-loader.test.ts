import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, ValidationError } from '@mlinfra/core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectMatchesReference, onnxFixture } from '../../__fixtures__/onnx-fixtures.js';
import { onnxLoader } from './onnx-loader.js';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function storeWith(name: 'two_in_two_out' | 'mlp') {
  const folder = await mkdtemp(join(tmpdir(), 'mlinfra-onnx-loader-'));
  folders.push(folder);
  const store = createStore(folder);
  const { digest } = await store.put(onnxFixture(name).bytes);
  return { store, digest };
}

describe('onnxLoader', () => {
  it('loads the bytes a digest names and maps dataset columns to inputs', async () => {
    const { store, digest } = await storeWith('two_in_two_out');
    const load = onnxLoader((artifact) => ({ store, id: artifact }));
    const fixture = onnxFixture('two_in_two_out');
    const predictor = await load({
      name: 'pair',
      version: 1,
      artifact: digest,
      inputColumns: { numeric: ['a', 'b', 'c', 'd'], extra: ['e', 'f'] },
    });
    expect(predictor.platform).toBe('onnxruntime_onnx');
    const numeric = fixture.inputs[0]!.data as number[];
    const extra = fixture.inputs[1]!.data as number[];
    const rows = Array.from({ length: 5 }, (_, row) => ({
      a: numeric[row * 4],
      b: numeric[row * 4 + 1],
      c: numeric[row * 4 + 2],
      d: numeric[row * 4 + 3],
      e: extra[row * 2],
      f: extra[row * 2 + 1],
    }));
    const outputs = await predictor.run(predictor.fromRows!(rows));
    for (const expected of fixture.outputs)
      expectMatchesReference({ name: expected.name, ...outputs[expected.name]! }, expected);
    await predictor.dispose?.();
  });

  it('refuses a column mapping that does not fit the model', async () => {
    const { store, digest } = await storeWith('mlp');
    const load = onnxLoader((artifact) => ({ store, id: artifact }));
    await expect(
      load({ name: 'm', version: 1, artifact: digest, inputColumns: { features: ['a', 'b'] } }),
    ).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) && /map it to 8 columns, not 2/.test(String(error)),
    );
  });
});
