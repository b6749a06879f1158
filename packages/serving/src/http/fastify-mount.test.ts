import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from '../__fixtures__/http.js';
import { linearPredictor } from '../__fixtures__/predictors.js';
import { createServer, type ModelServer } from '../index.js';

const call = (port: number, method: string, path: string, body?: string) =>
  httpCall(port, method, path, body);

describe('mounting the handler in Fastify (as the README shows)', () => {
  let models: ModelServer;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    models = createServer({
      models: [{ name: 'linear', predictor: linearPredictor({ features: 3, bias: 1 }) }],
      shutdown: { signals: [] },
    });
    await models.ready();
    app = Fastify();
    app.get('/hello', async () => ({ hello: 'world' }));
    // The README's recipe: Fastify parses JSON bodies; the handler uses the parsed body.
    const mount = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      Object.assign(request.raw, { body: request.body, _body: true });
      models.handler(request.raw, reply.raw);
    };
    app.all('/v2/*', mount);
    app.all('/v1/*', mount);
    app.all('/metrics', mount);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await models?.close();
  });

  it('serves V2 inference, /v1 predict, health, metadata and metrics over real HTTP', async () => {
    const infer = await call(
      port,
      'POST',
      '/v2/models/linear/infer',
      JSON.stringify({
        inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 0, 0, 0, 0, 1] }],
      }),
    );
    expect(infer.status).toBe(200);
    expect(JSON.parse(infer.text)).toMatchObject({
      model_name: 'linear',
      model_version: '1',
      outputs: [{ name: 'y', shape: [2, 1], data: [2, 4] }],
    });
    const v1 = await call(
      port,
      'POST',
      '/v1/models/linear:predict',
      JSON.stringify({ instances: [{ f0: 1, f1: 1, f2: 1 }] }),
    );
    expect(v1.status).toBe(200);
    expect(JSON.parse(v1.text)).toEqual({
      predictions: [[7]],
      model_name: 'linear',
      model_version: '1',
    });
    expect((await call(port, 'GET', '/v2/health/ready')).status).toBe(200);
    const metadata = JSON.parse((await call(port, 'GET', '/v2/models/linear')).text);
    expect(metadata.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 3] }]);
    const metrics = await call(port, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /mlinfra_serving_requests_total\{model="linear",version="1",status="200"\} 2/,
    );
    // The app's own routes are untouched.
    expect(JSON.parse((await call(port, 'GET', '/hello')).text)).toEqual({ hello: 'world' });
  });

  it('answers bad input with the same 4xx JSON errors as the standalone server', async () => {
    const wrong = await call(
      port,
      'POST',
      '/v2/models/linear/infer',
      JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2] }] }),
    );
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text).error).toMatch(
      /inputs\.0\.data: shape \[1,3\] needs 3 values, got 2/,
    );
    const unknown = await call(port, 'POST', '/v2/models/nope/infer', '{"inputs":[]}');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error).toMatch(/Unknown model "nope"; served models: linear/);
    const deep = `{"instances":${'['.repeat(20_000)}1${']'.repeat(20_000)}}`;
    const nested = await call(port, 'POST', '/v1/models/linear:predict', deep);
    expect(nested.status).toBe(400);
    expect(nested.headers['content-type']).toMatch(/application\/json/);
    // Fastify itself refuses malformed JSON before the handler runs; still a 4xx, never a 500.
    const malformed = await call(port, 'POST', '/v2/models/linear/infer', '{"inputs": [');
    expect(malformed.status).toBe(400);
    expect((await call(port, 'GET', '/v2/health/live')).status).toBe(200);
  });
});
