import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoHome } from '../../scripts/demo-home.mjs';
import { createUi, type Ui } from '../create-ui.js';
import type { UiOptions } from '../options.js';

/** A demo home served by a UI on 127.0.0.1:0. */
export interface Served {
  url: string;
  ui: Ui;
  demo: Awaited<ReturnType<typeof buildDemoHome>>;
  close(): Promise<void>;
}

/** Builds a demo home and serves a UI over it with `options` (registry and datasets filled in). */
export async function serveDemo(options: Omit<UiOptions, 'registry'> = {}): Promise<Served> {
  const home = mkdtempSync(join(tmpdir(), 'mlinfra-ui-test-'));
  const demo = await buildDemoHome(home);
  const ui = createUi({
    registry: demo.registry,
    datasets: demo.datasets,
    predictionLogs: { churn: demo.predictionLog },
    ...options,
  });
  const server: Server = createServer(ui.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ui,
    demo,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await ui.close();
      await demo.registry.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Posts a form as a script would: `Authorization: Bearer <token>` (no CSRF field needed), no redirect following. */
export function postForm(url: string, body: string, token: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
}
