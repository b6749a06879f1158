import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUi } from './create-ui.js';
import { postForm, type Served, serveDemo } from './test-support/serve.js';

const TOKEN = 'fastify-token-0123456789';

describe('createUi mounted in Fastify (as the README shows)', () => {
  let served: Served;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    served = await serveDemo();
    const ui = createUi({
      registry: served.demo.registry,
      datasets: served.demo.datasets,
      basePath: '/ui',
      actions: true,
      auth: { tokens: [{ token: TOKEN, actor: 'fay' }] },
    });
    app = Fastify();
    // Form posts reach the UI unparsed: Fastify only parses JSON itself, the UI reads the body.
    app.addContentTypeParser('application/x-www-form-urlencoded', (_request, _payload, done) =>
      done(null, undefined),
    );
    const mount = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      ui.handler(request.raw, reply.raw);
    };
    app.all('/ui', mount);
    app.all('/ui/*', mount);
    app.get('/health', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await served?.close();
  });

  it('serves pages, assets and 404s under the mount path, beside the app own routes', async () => {
    const body = await (await fetch(`${url}/ui/runs`)).text();
    expect(body).toContain(`href="/ui/runs/${served.demo.runs[0]}"`);
    const asset = /src="(\/ui\/assets\/uPlot\.iife\.min\.[0-9a-f]{12}\.js)"/.exec(body)![1]!;
    const response = await fetch(url + asset);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(await (await fetch(`${url}/health`)).text()).toBe('ok');
    expect((await fetch(`${url}/ui/runs/nope`)).status).toBe(404);
  });

  it('moves an alias through a form post, recorded for the token actor', async () => {
    const response = await postForm(
      `${url}/ui/models/churn/aliases`,
      'alias=fastify&version=2',
      TOKEN,
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/ui/models/churn/versions/2?notice=alias-set');
    expect((await served.demo.registry.resolve('churn@fastify')).version).toBe(2);
  });
});
