import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
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

/**
 * What every mount of the UI must do (node:http under a base path, Express, Fastify): pages link
 * under the mount path, assets are served with long-cache headers, unknown runs are 404 pages,
 * and the app's own routes still answer.
 */
export async function expectMountedUnder(url: string, served: Served): Promise<void> {
  const body = await (await fetch(`${url}/ui/runs`)).text();
  expect(body).toContain(`href="/ui/runs/${served.demo.runs[0]}"`);
  const asset = /src="(\/ui\/assets\/uPlot\.iife\.min\.[0-9a-f]{12}\.js)"/.exec(body)![1]!;
  const response = await fetch(url + asset);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toContain('immutable');
  expect(await (await fetch(`${url}/health`)).text()).toBe('ok');
  const missing = await fetch(`${url}/ui/runs/nope`);
  expect(missing.status).toBe(404);
  expect(await missing.text()).toContain('href="/ui/"');
}

/** A mounted UI moves an alias through a form post with a token, seen in the registry. */
export async function expectAliasMoveUnder(
  url: string,
  served: Served,
  alias: string,
  token: string,
): Promise<void> {
  const response = await postForm(
    `${url}/ui/models/churn/aliases`,
    `alias=${alias}&version=2`,
    token,
  );
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/ui/models/churn/versions/2?notice=alias-set');
  expect((await served.demo.registry.resolve(`churn@${alias}`)).version).toBe(2);
}
