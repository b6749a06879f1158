import { Agent, request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { linearPredictor, MemorySource, until } from '../__fixtures__/predictors.js';
import {
  createPredictionService,
  createServer,
  type ModelChangeEvent,
  ModelNotReadyError,
  type Predictor,
  type ResolvedModel,
  ServerClosedError,
  type ServingEvent,
} from '../index.js';

/** A loader for the memory source: artifact `bias:<n>` is a linear model with that bias. */
function biasLoader(loads: string[] = [], disposed: string[] = []) {
  return async (resolved: ResolvedModel): Promise<Predictor> => {
    loads.push(resolved.artifact);
    if (resolved.artifact === 'broken') throw new Error('corrupt artifact');
    const bias = Number(resolved.artifact.split(':')[1]);
    const predictor = linearPredictor({ features: 3, bias });
    return { ...predictor, dispose: () => void disposed.push(resolved.artifact) };
  };
}

const body = (data: number[] = [0, 0, 0]) => ({
  inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data }],
});

describe('model rollouts', () => {
  it('follows an alias: loads the new version, swaps, then unloads the old one', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'bias:100');
    source.addVersion('churn', 2, 'bias:200');
    source.setAlias('churn', 'champion', 1);
    const events: ServingEvent[] = [];
    const disposed: string[] = [];
    const service = createPredictionService({
      models: ['churn@champion'],
      source,
      loader: biasLoader([], disposed),
      onEvent: (event) => events.push(event),
    });
    await service.ready();
    expect((await service.infer('churn', body())).outputs[0]!.data).toEqual([100]);
    source.setAlias('churn', 'champion', 2);
    await until(() => disposed.includes('bias:100'));
    const after = await service.infer('churn', body());
    expect(after.model_version).toBe('2');
    expect(after.outputs[0]!.data).toEqual([200]);
    expect(events.map((e) => `${e.type}:${e.version}`)).toEqual([
      'loaded:1',
      'loaded:2',
      'swapped:2',
      'unloaded:1',
    ]);
    await service.close();
  });

  it('answers every request during a swap under load (zero failed requests)', async () => {
    const source = new MemorySource();
    for (let version = 1; version <= 4; version++)
      source.addVersion('churn', version, `bias:${version * 100}`);
    source.setAlias('churn', 'champion', 1);
    const server = createServer({
      models: ['churn@champion'],
      source,
      // A slow model keeps requests queued and running on the old version while it swaps.
      loader: async (resolved) => ({
        ...linearPredictor({
          features: 3,
          bias: Number(resolved.artifact.split(':')[1]),
          delayMs: 2,
        }),
      }),
      shutdown: { signals: [] },
    });
    const { port } = await server.listen(0);
    await server.ready();
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const payload = JSON.stringify(body());
    const post = () =>
      new Promise<{ status: number; version: string; value: number }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/v2/models/churn/infer',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
                model_version: string;
                outputs: { data: number[] }[];
              };
              resolve({
                status: res.statusCode ?? 0,
                version: parsed.model_version,
                value: parsed.outputs?.[0]?.data[0] ?? Number.NaN,
              });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    const results: { status: number; version: string; value: number }[] = [];
    let stop = false;
    const workers = Array.from({ length: 16 }, async () => {
      while (!stop) results.push(await post());
    });
    await until(() => results.length > 50);
    for (const version of [2, 3, 4]) {
      const before = results.length;
      source.setAlias('churn', 'champion', version);
      await until(() => results.slice(before).some((r) => r.version === String(version)));
      await until(() => results.length > before + 50);
    }
    stop = true;
    await Promise.all(workers);
    agent.destroy();
    await server.close();
    expect(results.length).toBeGreaterThan(150);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    // Every answer is consistent: the version that answered computed it.
    expect(results.every((r) => r.value === Number(r.version) * 100)).toBe(true);
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(['1', '2', '3', '4']));
  });

  it('lets requests still in an async feature transform finish on the old version after a swap', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'bias:100');
    source.addVersion('churn', 2, 'bias:200');
    source.setAlias('churn', 'champion', 1);
    const service = createPredictionService({
      models: ['churn@champion'],
      source,
      loader: async (resolved) => {
        const predictor = linearPredictor({
          features: 3,
          bias: Number(resolved.artifact.split(':')[1]),
        });
        return {
          ...predictor,
          async transform(rows) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            return predictor.transform!(rows);
          },
        };
      },
    });
    await service.ready();
    const inTransform = Array.from({ length: 10 }, () =>
      service.predict('churn', [{ f0: 0, f1: 0, f2: 0 }]),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    source.setAlias('churn', 'champion', 2);
    const results = await Promise.allSettled(inTransform);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<unknown[]>).value[0])).toEqual(
      new Array(10).fill([100]),
    );
    await until(() => service.metadata('churn').versions.join() === '2');
    expect(await service.predict('churn', [{ f0: 0, f1: 0, f2: 0 }])).toEqual([[200]]);
    await service.close();
  });

  it('keeps serving the old version when the new one fails to load', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'bias:1');
    source.addVersion('churn', 2, 'broken');
    source.setAlias('churn', 'champion', 1);
    const events: ServingEvent[] = [];
    const service = createPredictionService({
      models: ['churn@champion'],
      source,
      loader: biasLoader(),
      onEvent: (e) => events.push(e),
    });
    await service.ready();
    source.setAlias('churn', 'champion', 2);
    await until(() => events.some((e) => e.type === 'load-failed'));
    expect((await service.infer('churn', body())).model_version).toBe('1');
    await expect(service.refresh()).rejects.toThrow(/corrupt artifact/);
    expect(service.isReady()).toBe(true);
    await service.close();
  });

  it('serves the latest n versions beside the alias, following new versions', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'bias:1');
    source.addVersion('churn', 2, 'bias:2');
    source.addVersion('churn', 3, 'bias:3');
    source.setAlias('churn', 'champion', 1);
    const service = createPredictionService({
      models: [{ reference: 'churn@champion', versions: { latest: 2 } }],
      source,
      loader: biasLoader(),
    });
    await service.ready();
    expect(service.metadata('churn').versions.sort()).toEqual(['1', '2', '3']);
    expect((await service.infer('churn', body(), { version: '3' })).outputs[0]!.data).toEqual([3]);
    expect((await service.infer('churn', body())).outputs[0]!.data).toEqual([1]);
    source.addVersion('churn', 4, 'bias:4');
    await until(
      () =>
        service.metadata('churn').versions.includes('4') &&
        !service.metadata('churn').versions.includes('2'),
    );
    await expect(service.infer('churn', body(), { version: '2' })).rejects.toThrow(
      /no served version "2"/,
    );
    await service.close();
  });

  it('serves specific versions and polls a source without watch()', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'bias:1');
    source.addVersion('churn', 2, 'bias:2');
    const polled = { resolve: (reference: string) => source.resolve(reference) };
    const service = createPredictionService({
      models: [{ reference: 'churn', versions: { specific: [1] } }],
      source: polled,
      loader: biasLoader(),
      pollIntervalMs: 20,
    });
    await service.ready();
    expect(service.metadata('churn').versions.sort()).toEqual(['1', '2']);
    source.addVersion('churn', 3, 'bias:3');
    await until(() => service.metadata('churn').versions.includes('3'));
    expect((await service.infer('churn', body())).model_version).toBe('3');
    await service.close();
  });

  it('follows a source that only offers watch() as an async iterable', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'bias:1');
    source.setAlias('churn', 'live', 1);
    const watched = {
      resolve: (reference: string) => source.resolve(reference),
      watch: (name: string) => ({
        async *[Symbol.asyncIterator]() {
          while (true) {
            yield await new Promise<ModelChangeEvent>((resolve) => {
              const stop = source.subscribe(name, (event) => {
                stop();
                resolve(event);
              });
            });
          }
        },
      }),
    };
    const service = createPredictionService({
      models: ['churn@live'],
      source: watched,
      loader: biasLoader(),
    });
    await service.ready();
    source.addVersion('churn', 2, 'bias:2');
    source.setAlias('churn', 'live', 2);
    await until(() => service.metadata('churn').versions.includes('2'));
    expect((await service.infer('churn', body())).outputs[0]!.data).toEqual([2]);
    await service.close();
  });

  it('is not ready when a model cannot load', async () => {
    const source = new MemorySource();
    source.addVersion('churn', 1, 'broken');
    const service = createPredictionService({ models: ['churn'], source, loader: biasLoader() });
    await expect(service.ready()).rejects.toThrow(/corrupt artifact/);
    expect(service.isReady()).toBe(false);
    const notReady = await service.infer('churn', body()).catch((error: unknown) => error);
    expect(ModelNotReadyError.isInstance(notReady)).toBe(true);
    expect(ServerClosedError.isInstance(notReady)).toBe(false);
    expect((notReady as Error).message).toMatch(/"churn" is not loaded yet; retry once/);
    expect(() => service.metadata('churn')).toThrow(/not loaded yet/);
    // Pointing the model at a good version recovers without a restart.
    source.addVersion('churn', 2, 'bias:2');
    await until(() => service.isReady());
    expect((await service.infer('churn', body())).model_version).toBe('2');
    await service.close();
  });
});
