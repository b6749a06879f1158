import { MissingDependencyError, MlinfraError, ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type BackendName, useBackend } from './backend.js';

describe('useBackend', () => {
  it('names the install command and CUDA 11.2 / cuDNN 8.1 when tfjs-node-gpu is missing', async () => {
    const error = await useBackend('tensorflow-gpu').catch((caught: unknown) => caught);
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(
      'Cannot import "@tensorflow/tfjs-node-gpu". Install it to use backend: "tensorflow-gpu".',
    );
    expect(message).toContain('CUDA 11.2');
    expect(message).toContain('cuDNN 8.1');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('names the package when tfjs-node is missing', async () => {
    const node = await useBackend('tensorflow').catch((caught: unknown) => caught);
    expect((node as Error).message).toContain(
      'Cannot import "@tensorflow/tfjs-node". Install it to use backend: "tensorflow".',
    );
    expect((node as Error).cause).toBeDefined();
  });

  it('names the install command when webgpu or @tensorflow/tfjs-backend-webgpu is missing', async () => {
    const notFound = (specifier: string) =>
      Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/index.js`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    const webgpu = await useBackend('webgpu', async (specifier) => {
      throw notFound(specifier);
    }).catch((caught: unknown) => caught);
    expect(MissingDependencyError.isInstance(webgpu)).toBe(true);
    expect((webgpu as Error).message).toContain(
      'Cannot import "webgpu". Install it to use backend: "webgpu".',
    );
    expect((webgpu as Error).message).toContain(
      'npm install webgpu @tensorflow/tfjs-backend-webgpu',
    );
    expect((webgpu as Error).cause).toBeInstanceOf(Error);

    // Dawn present with an adapter, the tfjs backend package missing.
    const hadNavigator = 'navigator' in globalThis;
    const adapter = { info: { vendor: 'nvidia' }, features: new Set(), limits: {} };
    const fakeDawn = { create: () => ({ requestAdapter: async () => adapter }), globals: {} };
    try {
      const tfjsWebgpu = await useBackend('webgpu', async (specifier) => {
        if (specifier === 'webgpu') return fakeDawn;
        throw notFound(specifier);
      }).catch((caught: unknown) => caught);
      expect(MissingDependencyError.isInstance(tfjsWebgpu)).toBe(true);
      expect((tfjsWebgpu as Error).message).toContain(
        'Cannot import "@tensorflow/tfjs-backend-webgpu". Install it to use backend: "webgpu".',
      );
      expect((tfjsWebgpu as Error).message).toContain(
        'npm install webgpu @tensorflow/tfjs-backend-webgpu',
      );
    } finally {
      if (!hadNavigator) Reflect.deleteProperty(globalThis, 'navigator');
      else
        Reflect.deleteProperty((globalThis as unknown as { navigator: object }).navigator, 'gpu');
    }
  });

  it('reports a package that is installed but fails to load differently from a missing one', async () => {
    const error = await useBackend('tensorflow', async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    }).catch((caught: unknown) => caught);
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      'is installed but failed to load (libtensorflow.so.2',
    );
  });

  it('auto falls back to wasm here and says what it skipped', async () => {
    const info = await useBackend('auto');
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped.map((entry) => entry.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    const cpu = await useBackend('cpu');
    expect(cpu).toEqual({ requested: 'cpu', name: 'cpu', tfjsBackend: 'cpu', skipped: [] });
  });

  it('says which drivers to install when WebGPU finds no adapter', async () => {
    const hadNavigator = 'navigator' in globalThis;
    const fakeDawn = { create: () => ({ requestAdapter: async () => null }), globals: {} };
    try {
      const error = await useBackend('webgpu', async (specifier) => {
        if (specifier === 'webgpu') return fakeDawn;
        throw new Error(`unexpected import ${specifier}`);
      }).catch((caught: unknown) => caught);
      expect(MlinfraError.isInstance(error)).toBe(true);
      expect((error as MlinfraError).code).toBe('UNSUPPORTED');
      expect((error as Error).message).toContain('No WebGPU adapter found');
      expect((error as Error).message).toContain('Vulkan');
      expect((error as Error).message).toContain('apt-get install chromium');
    } finally {
      if (!hadNavigator) Reflect.deleteProperty(globalThis, 'navigator');
      else
        Reflect.deleteProperty((globalThis as unknown as { navigator: object }).navigator, 'gpu');
    }
  });

  it('rejects unknown names', async () => {
    await expect(useBackend('gpu' as BackendName)).rejects.toSatisfy((error) =>
      ValidationError.isInstance(error),
    );
  });
});
