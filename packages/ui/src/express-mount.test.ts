import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createUi } from './create-ui.js';
import {
  expectAliasMoveUnder,
  expectMountedUnder,
  type Served,
  serveDemo,
} from './test-support/serve.js';

const TOKEN = 'express-token-0123456789';

describe('createUi mounted in Express', () => {
  let served: Served;
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let url: string;

  beforeAll(async () => {
    served = await serveDemo();
    const ui = createUi({
      registry: served.demo.registry,
      datasets: served.demo.datasets,
      actions: true,
      auth: { tokens: [{ token: TOKEN, actor: 'erin' }] },
    });
    const app = express();
    // Bodies parsed by Express before the UI sees them are used as they are.
    app.use(express.urlencoded({ extended: false }));
    app.use('/ui', ui.handler);
    app.get('/health', (_request, response) => {
      response.send('ok');
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await served?.close();
  });

  it('serves pages and assets under the mount path, beside the app own routes', async () => {
    await expectMountedUnder(url, served);
  });

  it('takes a form body Express already parsed, and moves the alias', async () => {
    await expectAliasMoveUnder(url, served, 'express', TOKEN);
  });
});
