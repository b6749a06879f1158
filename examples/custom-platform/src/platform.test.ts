import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from './platform.js';
import { seedPlatform } from './setup.js';
import { type Day, features, loadDays } from './weather.js';

describe('custom platform service (registry + serving + drift in one process)', () => {
  let home: string;
  let days: Day[];
  let platform: Platform;
  let url: string;

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  /** The model stores its classes, so /v1 answers `{ label, scores }` per row. */
  async function predict(
    rows: ReadonlyArray<Record<string, number>>,
  ): Promise<{ label: string; scores: Record<string, number> }[]> {
    const answer = await call('POST', '/v1/models/weather:predict', { instances: rows });
    expect(answer.status).toBe(200);
    return answer.json.predictions as { label: string; scores: Record<string, number> }[];
  }

  async function traffic(): Promise<Record<string, number>> {
    return (await call('GET', '/platform/traffic')).json.byVersion as Record<string, number>;
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mlinfra-platform-test-'));
    days = await loadDays();
    const seeded = await seedPlatform(home, days, { epochs: 4 });
    platform = await createPlatform({ home, reference: seeded.reference, windowSize: 50 });
    url = await platform.listen(0);
  });

  afterAll(async () => {
    await platform?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('lists the registered versions and serves the champion over /v1 and health', async () => {
    const models = (await call('GET', '/platform/models')).json.models as Array<{
      name: string;
      aliases: Record<string, number>;
      versions: Array<{ version: number; metrics: Record<string, number> }>;
    }>;
    expect(models).toHaveLength(1);
    expect(models[0]!.aliases).toEqual({ champion: 1 });
    expect(models[0]!.versions.map((version) => version.version).sort()).toEqual([1, 2]);
    const predictions = await predict(days.slice(0, 3).map(features));
    expect(predictions).toHaveLength(3);
    const scores = Object.values(predictions[0]!.scores);
    expect(scores.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 4);
    expect(Object.keys(predictions[0]!.scores)).toContain(predictions[0]!.label);
    expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);
    expect((await call('GET', '/nothing')).status).toBe(404);
  });

  it('refuses a promotion that fails its gate (409) and follows one that passes without a restart', async () => {
    const refused = await call('POST', '/platform/models/weather/promote', {
      version: 2,
      gates: [{ metric: 'accuracy', min: 0.999 }],
    });
    expect(refused.status).toBe(409);
    expect((refused.json.report as { failures: unknown[] }).failures).toHaveLength(1);
    const bad = await call('POST', '/platform/models/weather/promote', { version: 'two' });
    expect(bad.status).toBe(400);

    const promoted = await call('POST', '/platform/models/weather/promote', {
      version: 2,
      gates: [],
    });
    expect(promoted.status).toBe(200);
    expect(promoted.json.promoted).toBe(true);
    // The server follows the alias (registry watch); keep sending until version 2 answers.
    const deadline = Date.now() + 10_000;
    while ((await traffic())['2'] === undefined && Date.now() < deadline) {
      await predict(days.slice(0, 1).map(features));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await traffic())['2']).toBeGreaterThan(0);
  });

  it('reports drift of the live inputs from the prediction log, with an HTML report', async () => {
    expect(['collecting', 'ok', 'drift']).toContain(
      (await call('GET', '/platform/drift')).json.status,
    );
    const summer = days
      .filter((day) => day.date >= '2015-06-01')
      .slice(0, 100)
      .map(features);
    for (let index = 0; index < summer.length; index += 10)
      await predict(summer.slice(index, index + 10));
    const deadline = Date.now() + 5_000;
    let drift = (await call('GET', '/platform/drift')).json;
    while (drift.status !== 'drift' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      drift = (await call('GET', '/platform/drift')).json;
    }
    expect(drift.status).toBe('drift');
    expect((drift.latest as { drifted: string[] }).drifted).toContain('temp_max');
    const html = await fetch(`${url}/platform/drift/report.html`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<svg');
  });
});

describe('pnpm start', () => {
  it('walks through traffic, a refused and a followed promotion, and drift', async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: { ...process.env, MLINFRA_EXAMPLE_QUICK: '1' },
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
    expect(output.stdout).toContain('accuracy >= 0.99: HTTP 409');
    expect(output.stdout).toContain('no worse than the champion: HTTP 200');
    expect(output.stdout).toMatch(/traffic by version: \{"byVersion":\{"1":30,"2":100\}\}/);
    expect(output.stdout).toMatch(/"status":"drift"/);
  });
});
