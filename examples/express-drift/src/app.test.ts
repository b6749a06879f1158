import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMonitor } from '@mlinfra/drift';
import express from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { driftMonitor } from './drift-middleware.js';
import { type Day, features, loadDays } from './weather.js';

let days: Day[];
let training: Array<Record<string, number>>;
const servers: Server[] = [];

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface Status {
  status: string;
  openWindowRows: number;
  windows: number;
  latest: { rows: number; drifted: string[] } | null;
}

beforeAll(async () => {
  days = await loadDays();
  training = days.filter((day) => day.date < '2015-01-01').map(features);
});

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

describe('express app with drift monitoring', () => {
  it('says ok for traffic like the training data and drift for the summer of 2015', async () => {
    const url = await listen(createApp({ reference: training, windowSize: 50 }).app);
    expect(((await (await fetch(`${url}/drift`)).json()) as Status).status).toBe('collecting');
    expect((await fetch(`${url}/drift/report.html`)).status).toBe(404);

    for (const row of training.filter((_, index) => index % 21 === 0).slice(0, 50)) {
      const response = await post(`${url}/api/forecast`, row);
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty('advice');
    }
    const calm = (await (await fetch(`${url}/drift`)).json()) as Status;
    expect(calm.status).toBe('ok');
    expect(calm.latest?.rows).toBe(50);

    const summer = days
      .filter((day) => day.date >= '2015-06-15')
      .slice(0, 50)
      .map(features);
    for (const row of summer) await (await post(`${url}/api/forecast`, row)).arrayBuffer();
    const shifted = (await (await fetch(`${url}/drift`)).json()) as Status;
    expect(shifted.status).toBe('drift');
    expect(shifted.windows).toBe(2);
    expect(shifted.latest?.drifted).toContain('temp_max');

    const html = await fetch(`${url}/drift/report.html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('<svg');
  });

  it('does not observe rejected requests, and flushes a partial window on demand', async () => {
    const url = await listen(createApp({ reference: training, windowSize: 1000 }).app);
    const bad = await post(`${url}/api/forecast`, { precipitation: 'lots' });
    expect(bad.status).toBe(400);
    expect(((await (await fetch(`${url}/drift`)).json()) as Status).openWindowRows).toBe(0);
    for (const row of training.slice(0, 7))
      await (await post(`${url}/api/forecast`, row)).arrayBuffer();
    const snapshot = (await (await fetch(`${url}/drift/snapshot`)).json()) as {
      format: string;
      profile: { rowCount: number };
    };
    expect(snapshot.format).toBe('mlinfra.drift.window');
    expect(snapshot.profile.rowCount).toBe(7);
    const flushed = (await (await post(`${url}/drift/flush`, {})).json()) as {
      closed: boolean;
      rows: number;
    };
    expect(flushed).toMatchObject({ closed: true, rows: 7 });
    const empty = (await (await post(`${url}/drift/flush`, {})).json()) as { closed: boolean };
    expect(empty.closed).toBe(false);
  });

  it('never lets a monitoring error reach the client', async () => {
    const errors: unknown[] = [];
    const monitor = createMonitor({ reference: training, window: { size: 10 } });
    const app = express();
    app.use(express.json());
    app.use(
      driftMonitor(monitor, {
        select: () => [null as unknown as Record<string, unknown>],
        onError: (error) => errors.push(error),
      }),
    );
    app.post('/score', (_request, response) => {
      response.json({ ok: true });
    });
    const url = await listen(app);
    const response = await post(`${url}/score`, {});
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toMatch(/pass an object/);
  });
});

describe('pnpm start', () => {
  it('replays real traffic and prints ok, then drift', async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(output.code).toBe(0);
    expect(output.stdout).toMatch(
      /Days like the training data: 100 requests -> \/drift status "ok"/,
    );
    expect(output.stdout).toMatch(/Summer 2015: 100 requests -> \/drift status "drift"/);
  });
});
