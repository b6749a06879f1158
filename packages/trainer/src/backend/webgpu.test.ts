import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../train/train.js';
import { AUTO_BACKEND_ORDER, releaseBackend, useBackend } from './backend.js';
import { requireSwiftShader } from './swiftshader.test-support.js';
import { isSoftwareAdapter } from './webgpu.js';

// Same seed, same data: webgpu (SwiftShader here) must end within these of the cpu backend.
// Measured here: losses and weights within 1e-7 of cpu for both; the bounds leave room for a real
// GPU's different summation order.
const LOSS_TOLERANCE = 1e-4;
const WEIGHT_TOLERANCE = 1e-3;

function mlpData(rows: number, width: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * width);
  const y = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let column = 0; column < width; column++) {
      const value = Math.sin(row * 1.7 + column * 0.9);
      x[row * width + column] = value;
      sum += value * (column % 2 === 0 ? 1 : -1);
    }
    y[row] = sum > 0 ? 1 : 0;
  }
  return { x, y };
}

function mlp(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

/** 8x8 one-channel images; the label says whether the left half is brighter. */
function imageData(rows: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(rows * 64);
  const y = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    let left = 0;
    for (let pixel = 0; pixel < 64; pixel++) {
      const value = (Math.sin(row * 12.9898 + pixel * 78.233) + 1) / 2;
      x[row * 64 + pixel] = value;
      if (pixel % 8 < 4) left += value;
      else left -= value;
    }
    y[row] = left > 0 ? 1 : 0;
  }
  return { x, y };
}

function cnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

async function trainOn(
  backend: 'webgpu' | 'cpu',
  model: () => tf.LayersModel,
  data: { x: Float32Array; y: Float32Array },
  epochs: number,
) {
  const result = await train({
    model,
    data: { train: data },
    epochs,
    batchSize: 32,
    loss: 'binaryCrossentropy',
    seed: 7,
    backend,
    progress: false,
  });
  const weights: number[][] = [];
  for (const tensor of result.model.getWeights()) weights.push(Array.from(await tensor.data()));
  const losses = result.history.map((entry) => entry.loss as number);
  result.model.dispose();
  return { result, weights, losses };
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] as number))));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('backend "webgpu" on SwiftShader (Vulkan on the CPU)', () => {
  beforeAll(() => {
    requireSwiftShader();
  });

  it('the webgpu tests fail (never skip) naming the install when SwiftShader is missing', () => {
    expect(() => requireSwiftShader('/nonexistent/vk_swiftshader_icd.json')).toThrow(
      /SwiftShader.*missing.*apt-get install -y chromium/,
    );
  });

  it('reports the adapter it runs on, and marks SwiftShader as a software adapter', async () => {
    const info = await useBackend('webgpu');
    expect(info).toMatchObject({ requested: 'webgpu', name: 'webgpu', tfjsBackend: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.adapter).toMatchObject({
      vendor: 'google',
      architecture: 'swiftshader',
      isFallbackAdapter: true,
      software: true,
    });
    expect(info.adapter?.description).toMatch(/SwiftShader/);
    const sum = tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30]));
    expect(Array.from(await sum.data())).toEqual([11, 22, 33]);
    sum.dispose();
  });

  it(`trains an MLP to the cpu backend's losses and weights (within ${LOSS_TOLERANCE} / ${WEIGHT_TOLERANCE}) for the same seed`, async () => {
    const data = mlpData(128, 8);
    const gpu = await trainOn('webgpu', mlp, data, 3);
    const cpu = await trainOn('cpu', mlp, data, 3);
    expect(gpu.result.backend.name).toBe('webgpu');
    expect(gpu.result.backend.adapter?.architecture).toBe('swiftshader');
    expect(cpu.losses[2]).toBeLessThan(cpu.losses[0] as number); // it learns
    expectClose(gpu.losses, cpu.losses, LOSS_TOLERANCE);
    expectClose(gpu.weights.flat(), cpu.weights.flat(), WEIGHT_TOLERANCE);
  });

  it(`trains a small CNN (conv 3x3, max-pool, dense) to the cpu backend's losses and weights`, async () => {
    const data = imageData(128);
    const gpu = await trainOn('webgpu', cnn, data, 2);
    const cpu = await trainOn('cpu', cnn, data, 2);
    expect(gpu.result.backend.name).toBe('webgpu');
    expectClose(gpu.losses, cpu.losses, LOSS_TOLERANCE);
    expectClose(gpu.weights.flat(), cpu.weights.flat(), WEIGHT_TOLERANCE);
  });

  it('releaseBackend destroys the WebGPU device; the next start gets a fresh one', async () => {
    await useBackend('webgpu');
    const backend = tf.findBackend('webgpu') as unknown as {
      device: { lost: Promise<{ reason: string }> };
    };
    const lost = backend.device.lost;
    releaseBackend();
    expect(tf.findBackend('webgpu')).toBeNull();
    await expect(lost).resolves.toMatchObject({ reason: 'destroyed' });
    await useBackend('webgpu');
    const fresh = tf.findBackend('webgpu') as unknown as { device: object };
    expect(fresh.device).not.toBe(backend.device);
    const product = tf.mul(tf.tensor1d([2, 3]), tf.tensor1d([4, 5]));
    expect(Array.from(await product.data())).toEqual([8, 15]);
    product.dispose();
    releaseBackend();
    releaseBackend(); // a second release is a no-op
  });

  it("'auto' never picks webgpu: not in its order, and SwiftShader is a software adapter", async () => {
    expect(AUTO_BACKEND_ORDER).not.toContain('webgpu');
    const info = await useBackend('auto');
    expect(info.name).not.toBe('webgpu');
    expect(info.name).toBe('wasm');
    expect(info.adapter).toBeUndefined();
    const swiftshader = {
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: 'SwiftShader driver 5.0.0',
      isFallbackAdapter: false,
    };
    const h100 = {
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '',
      description: 'NVIDIA H100 80GB HBM3',
      isFallbackAdapter: false,
    };
    const cases: Array<[typeof h100, boolean]> = [
      [swiftshader, true],
      [{ ...swiftshader, architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, true],
      [{ ...h100, isFallbackAdapter: true }, true],
      [h100, false],
    ];
    for (const [info, software] of cases) expect(isSoftwareAdapter(info)).toBe(software);
  });
});

const child = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'webgpu-child.mjs');

function runChild(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const processHandle = spawn(process.execPath, [child], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    processHandle.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    const timer = setTimeout(() => {
      processHandle.kill('SIGKILL');
      reject(new Error(`the child did not exit within 60 s (stdout: ${stdout})`));
    }, 60_000);
    processHandle.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, ms: Date.now() - started });
    });
  });
}

describe('backend "webgpu" in a process of its own (built package)', () => {
  beforeAll(() => {
    requireSwiftShader();
    const built = join(dirname(child), '..', '..', '..', 'dist', 'index.js');
    if (!existsSync(built)) {
      throw new Error(
        `This test runs the built package in a child process; build it first: pnpm --filter @mlinfra/trainer build (${built} is missing)`,
      );
    }
  });

  it('a process that trained on webgpu exits on its own, without releaseBackend', async () => {
    const { code, stdout } = await runChild(process.env);
    expect(code).toBe(0);
    const line = JSON.parse(stdout.trim()) as {
      adapter: { architecture: string };
      losses: number[];
    };
    expect(line.adapter.architecture).toBe('swiftshader');
    expect(line.losses).toHaveLength(1);
    expect(Number.isFinite(line.losses[0])).toBe(true);
  });

  it('without a Vulkan driver: UNSUPPORTED, naming the driver to install and SwiftShader for machines without a GPU', async () => {
    const { code, stdout } = await runChild({
      ...process.env,
      VK_ICD_FILENAMES: join(dirname(child), 'no-such-driver.json'),
      VK_DRIVER_FILES: join(dirname(child), 'no-such-driver.json'),
    });
    expect(code).toBe(0);
    const { error } = JSON.parse(stdout.trim()) as {
      error: { name: string; code: string; message: string };
    };
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('No WebGPU adapter found');
    expect(error.message).toContain('Vulkan');
    expect(error.message).toContain('libvulkan1');
    expect(error.message).toContain('apt-get install chromium');
    expect(error.message).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
  });
});
