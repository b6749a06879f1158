import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStore } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatasets } from './datasets.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const worker = join(here, '__fixtures__', 'commit-worker.mjs');
const built = join(here, '..', '..', 'dist', 'index.js');

let folder: string;
beforeAll(() => {
  if (!existsSync(built))
    throw new Error(
      'Build @mlinfra/datasets first (pnpm --filter @mlinfra/datasets build): the worker processes import dist/',
    );
  folder = mkdtempSync(join(tmpdir(), 'datasets-concurrency-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Attempt {
  ok: boolean;
  id?: string;
  value?: number;
  code?: string;
}

async function workers(
  home: string,
  processes: number,
  commits: number,
  retries: number,
): Promise<Attempt[]> {
  const outputs = await Promise.all(
    Array.from({ length: processes }, (_, index) =>
      run(process.execPath, [worker, home, String(index + 1), String(commits), String(retries)], {
        cwd: here,
      }),
    ),
  );
  return outputs.flatMap(({ stdout }) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Attempt),
  );
}

describe('concurrent commits from several processes', () => {
  it('lands every commit with retries and loses no version', async () => {
    const home = join(folder, 'retry');
    const datasets = openDatasets({ store: createStore(home) });
    await datasets.commit('shared', { value: Int32Array.from([0]) });
    const attempts = await workers(home, 3, 3, 100);
    expect(attempts.filter((attempt) => !attempt.ok)).toEqual([]);
    const log = await datasets.log('shared');
    expect(log).toHaveLength(10);
    const history = new Set(log.map((version) => version.id));
    for (const attempt of attempts) expect(history.has(attempt.id!)).toBe(true);
    const values = Array.from(
      (await datasets.dataset('shared').columns()).value as Int32Array,
    ).sort((a, b) => a - b);
    expect(values).toEqual([0, ...attempts.map((attempt) => attempt.value!)].sort((a, b) => a - b));
  });

  it('answers a lost race with ConflictError and keeps every landed version in history', async () => {
    const home = join(folder, 'no-retry');
    const datasets = openDatasets({ store: createStore(home) });
    await datasets.commit('shared', { value: Int32Array.from([0]) });
    const attempts = await workers(home, 3, 3, 0);
    const landed = attempts.filter((attempt) => attempt.ok);
    expect(
      attempts.filter((attempt) => !attempt.ok).every((attempt) => attempt.code === 'CONFLICT'),
    ).toBe(true);
    const log = await datasets.log('shared');
    expect(log).toHaveLength(landed.length + 1);
    const history = new Set(log.map((version) => version.id));
    for (const attempt of landed) expect(history.has(attempt.id!)).toBe(true);
    expect(log[0]!.rowCount).toBe(landed.length + 1);
  });
});
