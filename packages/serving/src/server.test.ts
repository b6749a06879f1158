import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from './__fixtures__/http.js';
import { linearPredictor } from './__fixtures__/predictors.js';
import { tfPredictor } from './__fixtures__/tf-predictor.js';
import {
  createPredictionService,
  createPredictor,
  createServer,
  type ModelServer,
  type Predictor,
} from './index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const reply = await httpCall(Number(new URL(base).port), method, path, payload, headers);
  return { status: reply.status, headers: reply.headers, body: reply.json, text: reply.text };
}

const FEATURES = 20;
const row = (seed: number) => Array.from({ length: FEATURES }, (_, i) => Math.sin(seed * 31 + i));

describe('createServer', () => {
  let server: ModelServer;
  let base: string;
  const mlp = tfPredictor(FEATURES);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    server = createServer({
      models: [
        { name: 'mlp', predictor: mlp, version: 7 },
        { name: 'linear', predictor: linearPredictor({ features: 3 }) },
      ],
      batching: { maxBatchSize: 32 },
      limits: { maxBodyBytes: 64 * 1024 },
      shutdown: { signals: [] },
    });
    const address = await server.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
    await server.ready();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers the KServe V2 health, server and model metadata routes', async () => {
    expect((await call(base, 'GET', '/v2/health/live')).status).toBe(200);
    expect(await call(base, 'GET', '/v2/health/ready')).toMatchObject({
      status: 200,
      body: { ready: true },
    });
    expect(await call(base, 'GET', '/v2')).toMatchObject({
      status: 200,
      body: { name: 'mlinfra-serving' },
    });
    const metadata = await call(base, 'GET', '/v2/models/mlp');
    expect(metadata.body).toMatchObject({
      name: 'mlp',
      versions: ['7'],
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, FEATURES] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
    });
    expect((await call(base, 'GET', '/v2/models/mlp/versions/7')).status).toBe(200);
    expect(await call(base, 'GET', '/v2/models/mlp/ready')).toMatchObject({
      status: 200,
      body: { name: 'mlp', ready: true },
    });
    expect((await call(base, 'GET', '/v2/models/mlp/versions/7/ready')).status).toBe(200);
    expect(await call(base, 'GET', '/v1/models/mlp')).toMatchObject({
      status: 200,
      body: { name: 'mlp', ready: true },
    });
    expect((await call(base, 'GET', '/v1/models/nope')).status).toBe(404);
  });

  it('infers over HTTP exactly what the tfjs model predicts in process', async () => {
    const rows = [row(1), row(2), row(3)];
    const reply = await call(base, 'POST', '/v2/models/mlp/infer', {
      id: 'req-1',
      inputs: [{ name: 'features', shape: [3, FEATURES], datatype: 'FP32', data: rows.flat() }],
    });
    expect(reply.status).toBe(200);
    const expected = Array.from((mlp.model.predict(tf.tensor2d(rows)) as tf.Tensor).dataSync());
    expect(reply.body).toMatchObject({ model_name: 'mlp', model_version: '7', id: 'req-1' });
    const output = (reply.body as { outputs: { name: string; shape: number[]; data: number[] }[] })
      .outputs[0]!;
    expect(output.name).toBe('probability');
    expect(output.shape).toEqual([3, 1]);
    output.data.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i]!, 6);
    });
  });

  it('accepts nested data and a versioned infer path', async () => {
    const reply = await call(base, 'POST', '/v2/models/linear/versions/1/infer', {
      inputs: [
        {
          name: 'x',
          shape: [2, 3],
          datatype: 'FP32',
          data: [
            [1, 2, 3],
            [0, 0, 1],
          ],
        },
      ],
    });
    expect(reply.body).toMatchObject({
      model_version: '1',
      outputs: [{ name: 'y', data: [14, 3], shape: [2, 1] }],
    });
  });

  it('answers 400 naming the field for a wrong shape, datatype, name or value', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
        /inputs\.0\.shape.*\[n, 3\]/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 3], datatype: 'INT32', data: [1, 2, 3] }] },
        /inputs\.0\.datatype.*FP32/,
      ],
      [
        { inputs: [{ name: 'z', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
        /unknown input "z".*"x"/,
      ],
      [
        { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 'a', 3] }] },
        /inputs\.0\.data\.1.*finite number/,
      ],
      [
        { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3] }] },
        /needs 6 values, got 3/,
      ],
      [{ inputs: [] }, /inputs.*non-empty/],
      [
        {
          inputs: [
            { name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] },
            { name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] },
          ],
        },
        /inputs\.1\.name.*given twice/,
      ],
      [{ nothing: true }, /inputs/],
      [[1, 2], /JSON object/],
      [
        {
          inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
          outputs: [{ name: 'q' }],
        },
        /outputs\.0\.name/,
      ],
    ];
    for (const [body, message] of cases) {
      const reply = await call(base, 'POST', '/v2/models/linear/infer', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect((reply.body as { error: string }).error).toMatch(message);
    }
  });

  it('answers 400 for malformed JSON, 404 for unknown models and versions, 405 for wrong methods', async () => {
    const malformed = await call(base, 'POST', '/v2/models/linear/infer', '{"inputs": [');
    expect(malformed.status).toBe(400);
    expect((malformed.body as { error: string }).error).toMatch(/Malformed JSON/);
    const unknown = await call(base, 'POST', '/v2/models/nope/infer', { inputs: [] });
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: string }).error).toMatch(/served models: mlp, linear/);
    expect((await call(base, 'GET', '/v2/models/linear/versions/9')).status).toBe(404);
    expect((await call(base, 'GET', '/v2/models/linear/versions/9/ready')).status).toBe(404);
    expect((await call(base, 'GET', '/v2/models/nope/ready')).status).toBe(404);
    expect((await call(base, 'POST', '/v2/models/linear/versions/9/infer', {})).status).toBe(404);
    expect((await call(base, 'GET', '/v2/models/linear/infer')).status).toBe(405);
    expect((await call(base, 'GET', '/v2/nothing/here')).status).toBe(404);
  });

  it('answers 413 for a body over maxBodyBytes', async () => {
    const data = new Array(40_000).fill(1);
    const reply = await call(base, 'POST', '/v2/models/linear/infer', {
      inputs: [{ name: 'x', shape: [data.length / 3, 3], datatype: 'FP32', data }],
    }).catch((error: unknown) => ({ status: -1, error }));
    expect(reply.status).toBe(413);
    // A declared Content-Length over the limit is refused before any body is read.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/v2/models/linear/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(declared).toBe(413);
  });

  it('serves /v1 :predict on raw rows through the feature transform and on numeric rows', async () => {
    const raw = await call(base, 'POST', '/v1/models/linear:predict', {
      instances: [
        { f0: 1, f1: 1, f2: 1 },
        { f0: 0, f1: 0, f2: 2 },
      ],
    });
    expect(raw).toMatchObject({ status: 200, body: { predictions: [[6], [6]] } });
    const numeric = await call(base, 'POST', '/v1/models/linear/versions/1:predict', {
      instances: [[1, 0, 0]],
    });
    expect(numeric.body).toEqual({
      predictions: [[1]],
      model_name: 'linear',
      model_version: '1',
    });
    const bad = await call(base, 'POST', '/v1/models/linear:predict', {
      instances: [{ f0: 'x', f1: 1, f2: 1 }],
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/feature transform rejected.*f0/);
    const noTransform = await call(base, 'POST', '/v1/models/mlp:predict', {
      instances: [{ a: 1 }],
    });
    expect(noTransform.status).toBe(400);
    expect((noTransform.body as { error: string }).error).toMatch(/no feature transform/);
    expect((await call(base, 'POST', '/v1/models/linear:predict', { rows: [] })).status).toBe(400);
  });

  it('batches concurrent HTTP requests into shared model calls', async () => {
    const linear = linearPredictor({ features: 3, delayMs: 20 });
    const batched = createServer({
      models: [{ name: 'l', predictor: linear }],
      shutdown: { signals: [] },
      warmup: false,
    });
    const address = await batched.listen(0);
    const url = `http://127.0.0.1:${address.port}`;
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call(url, 'POST', '/v2/models/l/infer', {
          inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [i, 0, 0] }],
        }),
      ),
    );
    await batched.close();
    replies.forEach((reply, i) => {
      expect((reply.body as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([i]);
    });
    expect(linear.batches.reduce((a, b) => a + b, 0)).toBe(24);
    expect(linear.batches.length).toBeLessThan(24);
  });

  it('exposes Prometheus metrics for requests, latency, batch size and queue depth', async () => {
    await call(base, 'POST', '/v2/models/linear/infer', {
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
    });
    const metrics = await call(base, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /mlinfra_serving_requests_total\{model="linear",version="1",status="200"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /mlinfra_serving_requests_total\{model="linear",version="1",status="400"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /mlinfra_serving_request_duration_seconds_bucket\{le="[^"]+",model="linear",version="1"\}/,
    );
    expect(metrics.text).toMatch(
      /mlinfra_serving_queue_duration_seconds_count\{model="linear",version="1"\} \d+/,
    );
    expect(metrics.text).toMatch(/mlinfra_serving_compute_duration_seconds_count/);
    expect(metrics.text).toMatch(/mlinfra_serving_batch_size_bucket/);
    expect(metrics.text).toMatch(/mlinfra_serving_queue_depth\{model="mlp",version="7"\} 0/);
    expect(metrics.text).toMatch(/mlinfra_serving_prediction_log_dropped_total 0/);
  });

  it('counts every answered request in the latency histograms exactly once across scrapes', async () => {
    const read = async () => {
      const { text } = await call(base, 'GET', '/metrics');
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
      return {
        ok: value(
          /mlinfra_serving_requests_total\{model="linear",version="1",status="200"\} (\S+)/,
        ),
        count: value(
          /mlinfra_serving_request_duration_seconds_count\{model="linear",version="1"\} (\S+)/,
        ),
        inf: value(
          /mlinfra_serving_request_duration_seconds_bucket\{le="\+Inf",model="linear",version="1"\} (\S+)/,
        ),
        sum: value(
          /mlinfra_serving_request_duration_seconds_sum\{model="linear",version="1"\} (\S+)/,
        ),
        queue: value(
          /mlinfra_serving_queue_duration_seconds_count\{model="linear",version="1"\} (\S+)/,
        ),
      };
    };
    const infer = () =>
      call(base, 'POST', '/v2/models/linear/infer', {
        inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
      });
    await infer();
    const before = await read();
    expect(before.count).toBe(before.ok);
    expect(before.inf).toBe(before.count);
    expect(before.queue).toBe(before.count);
    expect(await read()).toEqual(before);
    await Promise.all([infer(), infer(), infer()]);
    const after = await read();
    expect(after.count).toBe(before.count + 3);
    expect(after.inf).toBe(after.count);
    expect(after.queue).toBe(after.count);
    expect(after.sum).toBeGreaterThan(before.sum);
  });
  // Hostile bodies (deep nesting, absurd shapes, float32 overflow, any JSON): http/hostile-requests.test.ts.
});

describe('createServer auth and mounting', () => {
  it('requires a bearer token except on health routes, comparing in constant time', async () => {
    const server = createServer({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      auth: { tokens: ['s3cret', 'other'] },
      shutdown: { signals: [] },
    });
    const { port } = await server.listen(0);
    const base = `http://127.0.0.1:${port}`;
    await server.ready();
    const body = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 1, 1] }] };
    const missing = await call(base, 'POST', '/v2/models/linear/infer', body);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(
      (await call(base, 'POST', '/v2/models/linear/infer', body, { authorization: 'Bearer s3cre' }))
        .status,
    ).toBe(401);
    expect(
      (await call(base, 'GET', '/metrics', undefined, { authorization: 'Basic s3cret' })).status,
    ).toBe(401);
    expect(
      (
        await call(base, 'POST', '/v2/models/linear/infer', body, {
          authorization: 'Bearer s3cret',
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(base, 'GET', '/v2/models/linear', undefined, { authorization: 'Bearer other' }))
        .status,
    ).toBe(200);
    expect((await call(base, 'GET', '/v2/health/ready')).status).toBe(200);
    await server[Symbol.asyncDispose]();
    await expect(call(base, 'GET', '/v2/health/live')).rejects.toThrow(
      /ECONNREFUSED|ECONNRESET|socket hang up/,
    );
    expect(server.predictor.isReady()).toBe(false);
  });

  it('answers a busy port with a ConflictError naming the fix, and can listen again', async () => {
    const first = createServer({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      shutdown: { signals: [] },
    });
    const { port } = await first.listen(0);
    const second = createServer({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      shutdown: { signals: [] },
    });
    await expect(second.listen(port)).rejects.toThrow(/already in use; pick another port/);
    const again = await second.listen(0);
    expect(again.port).not.toBe(port);
    await Promise.all([first.close(), second.close()]);
  });

  it('mounts its handler inside an existing node:http app and passes other routes on', async () => {
    const server = createServer({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      shutdown: { signals: [] },
    });
    await server.ready();
    const app = createHttpServer((req, res) => {
      server.handler(req, res, () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('app route');
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    expect((await call(base, 'GET', '/hello')).text).toBe('app route');
    const reply = await call(base, 'POST', '/v2/models/linear/infer', {
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 0, 0] }],
    });
    expect(reply.body).toMatchObject({ outputs: [{ data: [1] }] });
    await new Promise((resolve) => app.close(resolve));
    await server.close();
  });
});

describe('createServer overload answers', () => {
  it('answers 504 past requestTimeoutMs and 503 with Retry-After when the queue is full', async () => {
    const server = createServer({
      models: [{ name: 'slow', predictor: linearPredictor({ delayMs: 150 }) }],
      batching: { maxBatchSize: 1, maxQueue: 1 },
      limits: { requestTimeoutMs: 100 },
      shutdown: { signals: [] },
      warmup: false,
    });
    const { port } = await server.listen(0);
    const base = `http://127.0.0.1:${port}`;
    await server.ready();
    const body = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 0, 0] }] };
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => call(base, 'POST', '/v2/models/slow/infer', body)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses).toContain(504);
    expect(statuses).toContain(503);
    const timeout = replies.find((reply) => reply.status === 504)!;
    expect((timeout.body as { error: string }).error).toMatch(/requestTimeoutMs/);
    const full = replies.find((reply) => reply.status === 503)!;
    expect(full.headers['retry-after']).toBe('1');
    expect((full.body as { error: string }).error).toMatch(/maxQueue/);
    const metrics = await call(base, 'GET', '/metrics');
    expect(metrics.text).toMatch(/requests_total\{model="slow",version="1",status="504"\} [1-9]/);
    expect(metrics.text).toMatch(/requests_total\{model="slow",version="1",status="503"\} [1-9]/);
    await server.close();
  });
});

describe('createServer behind a body parser', () => {
  it('uses a body that middleware (express.json style) already parsed', async () => {
    const server = createServer({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      shutdown: { signals: [] },
    });
    await server.ready();
    const app = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString()), _body: true });
        server.handler(req, res);
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const reply = await call(base, 'POST', '/v2/models/linear/infer', {
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [0, 1, 0] }],
    });
    expect(reply.body).toMatchObject({ outputs: [{ data: [2] }] });
    await new Promise((resolve) => app.close(resolve));
    await server.close();
  });
});

describe('createServer options', () => {
  it('rejects invalid options with a ValidationError naming each problem', () => {
    expect(() => createServer({ models: [] })).toThrow(/serve at least one model/);
    expect(() => createServer({ models: ['churn@champion'] })).toThrow(/needs a "source"/);
    expect(() =>
      createServer({
        models: [{ name: 'a', predictor: linearPredictor() }],
        batching: { maxBatchSize: 0 },
      }),
    ).toThrow(/batching/);
    expect(() =>
      createServer({ models: [{ name: 'a', predictor: linearPredictor() }], batchng: {} } as never),
    ).toThrow(/(Unrecognized|Unknown) key:? "batchng"/);
    expect(() =>
      createServer({ models: [{ name: 'a', predictor: linearPredictor(), canry: {} } as never] }),
    ).toThrow(/models\.0(\.canry)?: (Unrecognized|Unknown) key:? "canry"/);
    expect(() => createServer({ models: [{ nme: 'a' }] } as never)).toThrow(
      /models\.0: give exactly one of "reference", "path" or "predictor"/,
    );
    expect(() =>
      createServer({
        models: [
          { name: 'a', predictor: linearPredictor() },
          { name: 'a', path: 'sha256:00' },
        ],
      }),
    ).toThrow(/models\.1\.name: model name "a" is served twice/);
    expect(() =>
      createPredictionService({
        models: [{ name: 'a', predictor: linearPredictor() }],
        limits: { requestTimeoutMs: 5, maxBodyBytes: 10, headersTimeoutMs: 5 },
      } as never),
    ).toThrow(/limits(\.headersTimeoutMs)?: (Unrecognized|Unknown) key:? "headersTimeoutMs"/);
    expect(() => createServer({ models: [{ name: 'a', predictor: {} as never }] })).toThrow(
      /Predictor/,
    );
    expect(() =>
      createServer({ models: [{ name: 'a', predictor: linearPredictor() }], auth: { tokens: [] } }),
    ).toThrow(/at least one token/);
    const registry = new Registry();
    const first = createPredictionService({
      models: [{ name: 'a', predictor: linearPredictor() }],
      metrics: { registry },
    });
    expect(() =>
      createPredictionService({
        models: [{ name: 'a', predictor: linearPredictor() }],
        metrics: { registry },
      }),
    ).toThrow(/another metrics.prefix/);
    const second = createPredictionService({
      models: [{ name: 'a', predictor: linearPredictor() }],
      metrics: { registry, prefix: 'second_' },
    });
    void first.close();
    void second.close();
  });

  it('keeps createPredictor as a deprecated alias of createPredictionService', async () => {
    expect(createPredictor).toBe(createPredictionService);
    await using service = createPredictor({
      models: [{ name: 'a', predictor: linearPredictor() }],
    });
    await service.ready();
    expect(await service.predict('a', [[1, 1, 1]])).toEqual([[6]]);
  });
});

describe('createServer with a multi-output model', () => {
  it('returns every output tensor, or the requested ones, and named /v1 predictions', async () => {
    const twoHeads: Predictor = {
      signature: {
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
        outputs: [
          { name: 'sum', datatype: 'FP32', shape: [-1, 1] },
          { name: 'pair', datatype: 'INT32', shape: [-1, 2] },
        ],
      },
      predict(batch, rows) {
        const out = new Float32Array(rows * 3);
        for (let row = 0; row < rows; row++) {
          const a = batch[row * 2]!;
          const b = batch[row * 2 + 1]!;
          out.set([a + b, a * 10, b * 10], row * 3);
        }
        return out;
      },
    };
    const service = createPredictionService({ models: [{ name: 'heads', predictor: twoHeads }] });
    await service.ready();
    const body = { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] };
    const all = await service.infer('heads', body);
    expect(all.outputs).toEqual([
      { name: 'sum', shape: [2, 1], datatype: 'FP32', data: [3, 7] },
      { name: 'pair', shape: [2, 2], datatype: 'INT32', data: [10, 20, 30, 40] },
    ]);
    const one = await service.infer('heads', { ...body, outputs: [{ name: 'pair' }] });
    expect(one.outputs.map((output) => output.name)).toEqual(['pair']);
    await expect(service.infer('heads', { ...body, outputs: [{ name: 'nope' }] })).rejects.toThrow(
      /"sum", "pair"/,
    );
    expect(await service.predict('heads', [[1, 2]])).toEqual([{ sum: [3], pair: [10, 20] }]);
    expect(service.metadata('heads').outputs).toHaveLength(2);
    await service.close();
  });
});
