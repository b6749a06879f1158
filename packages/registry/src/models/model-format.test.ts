import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError, ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { registryPerTest } from '../__fixtures__/temporary-registry.js';

// An MLP exported by torch.onnx (from @mlinfra/serving's make-onnx-fixtures.py).
const onnxFile = join(dirname(fileURLToPath(import.meta.url)), '../__fixtures__/mlp.onnx');
const onnxBytes = new Uint8Array(readFileSync(onnxFile));

const current = registryPerTest();

describe('model formats', () => {
  it('registers an .onnx file, records format onnx, and resolve returns it with the bytes', async () => {
    const version = await current.registry.registerModel('mlp', {
      artifact: { file: onnxFile },
      inputColumns: { input: ['age', 'income', 'tenure', 'score'] },
    });
    expect(version.format).toBe('onnx');
    const resolved = await current.registry.resolve('mlp@latest');
    expect(resolved).toEqual(version);
    expect(resolved.inputColumns).toEqual({ input: ['age', 'income', 'tenure', 'score'] });
    expect(resolved.artifactSize).toBe(onnxBytes.byteLength);
    expect(Buffer.from(await current.registry.readArtifact('mlp/1')).equals(onnxBytes)).toBe(true);
  });

  it('takes a path string to an .onnx file, with or without a run', async () => {
    const plain = await current.registry.registerModel('paths', { artifact: onnxFile });
    expect(plain).toMatchObject({ format: 'onnx', artifactSize: onnxBytes.byteLength });
    const run = await current.registry.startRun();
    const withRun = await current.registry.registerModel('paths', { artifact: onnxFile, run });
    expect(withRun.artifact).toBe(plain.artifact);
    expect(withRun.runId).toBe(run.id);
    await expect(
      current.registry.registerModel('paths', { artifact: 'not-a-digest-or-path' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('infers onnx from bytes, defaults to tfjs, and takes the format given for a digest', async () => {
    expect((await current.registry.registerModel('a', { artifact: onnxBytes })).format).toBe(
      'onnx',
    );
    const manifest = new TextEncoder().encode('{"modelTopology":{}}');
    expect((await current.registry.registerModel('b', { artifact: manifest })).format).toBe('tfjs');
    const { digest } = await current.registry.store.put(onnxBytes);
    expect((await current.registry.registerModel('c', { artifact: digest })).format).toBe('tfjs');
    const given = await current.registry.registerModel('c', { artifact: digest, format: 'onnx' });
    expect((await current.registry.getVersion('c', given.version)).format).toBe('onnx');
    expect((await current.registry.resolve('b')).format).toBe('tfjs');
    expect((await current.registry.resolve('b')).inputColumns).toBeUndefined();
  });

  it('refuses an unknown format, bad input columns and a missing file', async () => {
    await expect(
      current.registry.registerModel('m', { artifact: onnxBytes, format: 'pytorch' as 'onnx' }),
    ).rejects.toThrow(/format/);
    await expect(
      current.registry.registerModel('m', { artifact: onnxBytes, inputColumns: { input: [] } }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      current.registry.registerModel('m', { artifact: onnxBytes, inputColumns: {} }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      current.registry.registerModel('m', {
        artifact: { file: join(current.folder, 'absent.onnx') },
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(current.registry.getModel('m')).rejects.toBeInstanceOf(NotFoundError);
  });
});
