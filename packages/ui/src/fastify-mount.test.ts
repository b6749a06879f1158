import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createUi } from './create-ui.js';
import {
  expectAliasMoveUnder,
  expectMountedUnder,
  type Served,
  serveDemo,
} from './test-support/serve.js';

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
    await expectMountedUnder(url, served);
  });

  it('moves an alias through a form post, recorded for the token actor', async () => {
    await expectAliasMoveUnder(url, served, 'fastify', TOKEN);
  });
});
