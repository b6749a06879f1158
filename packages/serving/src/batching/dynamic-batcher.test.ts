import { ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { QueueFullError, RequestTimeoutError } from '../errors.js';
import { DynamicBatcher, type DynamicBatcherOptions } from './dynamic-batcher.js';

/** A model that doubles its single input value, recording batch sizes. */
/** Queueing settings shared by the tests' batchers. */
const SETTINGS = {
  model: 'm',
  version: '1',
  enabled: true,
  maxBatchSize: 64,
  maxQueueDelayMs: 0,
  maxQueue: 1000,
  instances: 1,
};

function batcher(overrides: Partial<DynamicBatcherOptions> = {}) {
  const batches: number[] = [];
  const instance = new DynamicBatcher({
    ...SETTINGS,
    inputSize: 1,
    outputSize: 1,
    run: (batch, rows) => {
      batches.push(rows);
      return batch.map((value) => value * 2);
    },
    ...overrides,
  });
  return { instance, batches };
}

const one = (value: number) => new Float32Array([value]);

describe('DynamicBatcher', () => {
  it('batches whatever is waiting when maxQueueDelayMs is 0', async () => {
    const { instance, batches } = batcher();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => instance.submit(one(i), 1, 0)),
    );
    expect(batches).toEqual([10]);
    expect(results.map((r) => r.output[0])).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(results.every((r) => r.batchRows === 10)).toBe(true);
  });

  it('collects requests that arrive while the model is busy into the next batch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: number[] = [];
    const instance = new DynamicBatcher({
      model: 'm',
      version: '1',
      enabled: true,
      maxBatchSize: 64,
      maxQueueDelayMs: 0,
      maxQueue: 100,
      instances: 1,
      inputSize: 1,
      outputSize: 1,
      run: async (batch, rows) => {
        batches.push(rows);
        if (batches.length === 1) await gate;
        return batch;
      },
    });
    const first = instance.submit(one(1), 1, 0);
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 5 }, (_, i) => instance.submit(one(i), 1, 0));
    expect(instance.depth).toBe(5);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([1, 5]);
  });

  it('never exceeds maxBatchSize rows and never splits a request', async () => {
    const { instance, batches } = batcher({ maxBatchSize: 4, inputSize: 1 });
    const sizes = [3, 2, 2, 1, 4];
    const results = await Promise.all(
      sizes.map((rows, i) => instance.submit(new Float32Array(rows).fill(i), rows, 0)),
    );
    expect(batches).toEqual([3, 4, 1, 4]);
    results.forEach((result, i) => {
      expect([...result.output]).toEqual(new Array(sizes[i]).fill(i * 2));
    });
  });

  it("keeps every request's rows in order for any mix of request sizes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 8, max: 20 }),
        async (sizes, maxBatchSize) => {
          const { instance, batches } = batcher({ maxBatchSize, inputSize: 2, outputSize: 2 });
          let counter = 0;
          const inputs = sizes.map((rows) =>
            Float32Array.from({ length: rows * 2 }, () => counter++),
          );
          const results = await Promise.all(
            inputs.map((input, i) => instance.submit(input, sizes[i]!, 0)),
          );
          results.forEach((result, i) => {
            expect([...result.output]).toEqual([...inputs[i]!].map((v) => v * 2));
          });
          expect(batches.every((rows) => rows <= maxBatchSize)).toBe(true);
          expect(batches.reduce((a, b) => a + b, 0)).toBe(sizes.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('waits up to maxQueueDelayMs for a fuller batch, then runs what it has', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    try {
      const { instance, batches } = batcher({ maxQueueDelayMs: 300 });
      const first = instance.submit(one(1), 1, 0);
      await vi.advanceTimersByTimeAsync(250);
      expect(batches).toEqual([]);
      const second = instance.submit(one(2), 1, 0);
      await vi.advanceTimersByTimeAsync(40);
      expect(batches).toEqual([]);
      await vi.advanceTimersByTimeAsync(20);
      expect(batches).toEqual([2]);
      await Promise.all([first, second]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs at once when maxBatchSize rows wait, however long the delay', async () => {
    const { instance, batches } = batcher({ maxQueueDelayMs: 600_000, maxBatchSize: 4 });
    await Promise.all([1, 2, 3, 4].map((v) => instance.submit(one(v), 1, 0)));
    expect(batches).toEqual([4]);
  }, 5_000);

  it('runs up to `instances` batches at the same time', async () => {
    let running = 0;
    let peak = 0;
    const { instance } = batcher({
      instances: 2,
      maxBatchSize: 1,
      run: async (batch) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return batch;
      },
    });
    await Promise.all([1, 2, 3, 4].map((v) => instance.submit(one(v), 1, 0)));
    expect(peak).toBe(2);
  });

  it('runs every request alone when batching is disabled', async () => {
    const { instance, batches } = batcher({ enabled: false, maxBatchSize: 1 });
    await Promise.all([
      instance.submit(new Float32Array(3), 3, 0),
      instance.submit(one(1), 1, 0),
      instance.submit(one(1), 1, 0),
    ]);
    expect(batches).toEqual([3, 1, 1]);
  });

  it('rejects with QueueFullError when maxQueue requests are waiting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { instance } = batcher({
      maxQueue: 2,
      run: async (batch) => {
        await gate;
        return batch;
      },
    });
    const running = instance.submit(one(1), 1, 0);
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [instance.submit(one(2), 1, 0), instance.submit(one(3), 1, 0)];
    const error = await instance.submit(one(4), 1, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as QueueFullError).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(/maxQueue/);
    release();
    await Promise.all([running, ...queued]);
  });

  it('times out a queued request and takes it out of the queue', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: number[] = [];
    const { instance } = batcher({
      run: async (batch, rows) => {
        batches.push(rows);
        await gate;
        return batch;
      },
    });
    const running = instance.submit(one(1), 1, 0);
    await new Promise((resolve) => setImmediate(resolve));
    const error = await instance.submit(one(2), 1, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(instance.depth).toBe(0);
    release();
    await running;
    await instance.drain();
    expect(batches).toEqual([1]);
  });

  it('rejects a request with more rows than maxBatchSize, naming the setting', async () => {
    const { instance } = batcher({ maxBatchSize: 4 });
    const error = await instance.submit(new Float32Array(5), 5, 0).catch((e: unknown) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/maxBatchSize/);
  });

  it('fails every request of a batch when the model returns the wrong number of values', async () => {
    const { instance } = batcher({ run: () => new Float32Array(1) });
    const results = await Promise.allSettled([
      instance.submit(one(1), 1, 0),
      instance.submit(one(2), 1, 0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(
      /returned 1 values for 2 rows/,
    );
  });

  it('drain waits for queued and running work; close refuses new work', async () => {
    const { instance } = batcher({
      run: async (batch) => {
        await new Promise((r) => setTimeout(r, 20));
        return batch;
      },
    });
    const pending = [instance.submit(one(1), 1, 0), instance.submit(one(2), 1, 0)];
    instance.close();
    let settled = 0;
    for (const p of pending) void p.then(() => settled++);
    await instance.drain();
    expect(settled).toBe(2);
    await expect(instance.submit(one(3), 1, 0)).rejects.toThrow(/unloading/);
  });

  it('takes an executor for other inputs: keys keep unlike requests apart, errors stay per request', async () => {
    const batches: string[][] = [];
    const instance = new DynamicBatcher<string, string>({
      ...SETTINGS,
      executor: {
        key: (input) => String(input.length),
        async execute(inputs) {
          batches.push([...inputs]);
          return inputs.map((input) =>
            input === 'bad'
              ? { error: new ValidationError('bad') }
              : { output: input.toUpperCase() },
          );
        },
      },
    });
    const results = await Promise.allSettled(
      ['ab', 'cd', 'xyz', 'ef', 'bad'].map((input) => instance.submit(input, 1, 0)),
    );
    // The oldest request's key goes first and gathers every waiting request of that key.
    expect(batches).toEqual([
      ['ab', 'cd', 'ef'],
      ['xyz', 'bad'],
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.output : 'rejected'))).toEqual([
      'AB',
      'CD',
      'XYZ',
      'EF',
      'rejected',
    ]);
  });
});
