import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCheckpoints, readCheckpointBlob } from './checkpoint-store.js';

// The child imports the built package (dist/), as a user's process would; `pnpm test` builds first.
const child = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'train-child.mjs');

interface ChildResult {
  status: string;
  steps: number;
  epochs: number;
  history: Array<Record<string, number>>;
  weights: string[];
  resumedFrom: { digest: string; step: number } | null;
}

function start(
  store: string,
  run: string,
  out: string,
  pauseAt: number | 'none',
): {
  process: ChildProcess;
  paused: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const processHandle = spawn(process.execPath, [child, store, run, out, String(pauseAt)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  processHandle.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const paused = new Promise<void>((resolve, reject) => {
    let stdout = '';
    processHandle.stdout?.on('data', (chunk) => {
      stdout += String(chunk);
      if (stdout.includes('paused')) resolve();
    });
    processHandle.on('exit', () => reject(new Error(`child exited before pausing: ${stderr}`)));
  });
  paused.catch(() => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    processHandle.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(stderr);
      resolve({ code, signal });
    });
  });
  return { process: processHandle, paused, exited };
}

async function runToEnd(store: string, run: string, out: string): Promise<ChildResult> {
  const { exited } = start(store, run, out, 'none');
  expect(await exited).toEqual({ code: 0, signal: null });
  return JSON.parse(await readFile(out, 'utf8')) as ChildResult;
}

describe('exact resume across processes (cpu backend)', () => {
  let folder: string;
  let reference: ChildResult;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trainer-resume-'));
    reference = await runToEnd(join(folder, 'reference'), 'run', join(folder, 'reference.json'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('a run killed with SIGKILL mid-epoch and resumed ends with bit-identical weights', async () => {
    expect(reference.status).toBe('completed');
    expect(reference.steps).toBe(24);
    const store = join(folder, 'killed');
    const out = join(folder, 'killed.json');
    const first = start(store, 'run', out, 13);
    await first.paused;
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const listing = await listCheckpoints(createStore(store), 'run');
    const latest = await readCheckpointBlob(createStore(store), listing.latest as string);
    const state = latest.state as { step: number; epoch: number; stepInEpoch: number };
    expect(state).toMatchObject({ step: 10, epoch: 1, stepInEpoch: 2 });
    expect(listing.recent.map((entry) => entry.step)).toEqual([8, 10]);

    const resumed = await runToEnd(store, 'run', out);
    expect(resumed.resumedFrom?.step).toBe(10);
    expect(resumed.weights).toEqual(reference.weights);
    expect(resumed.history).toEqual(reference.history);
    expect(resumed.status).toBe('completed');
  });

  it('SIGTERM writes a checkpoint at the end of the current step, exits, and the resumed run matches', async () => {
    const store = join(folder, 'terminated');
    const out = join(folder, 'terminated.json');
    const first = start(store, 'run', out, 11);
    await first.paused;
    first.process.kill('SIGTERM');
    await writeFile(`${out}.go`, '');
    expect((await first.exited).signal).toBe('SIGTERM');
    const listing = await listCheckpoints(createStore(store), 'run');
    const latest = await readCheckpointBlob(createStore(store), listing.latest as string);
    expect((latest.state as { step: number }).step).toBe(11);
    await rm(`${out}.go`);
    const resumed = await runToEnd(store, 'run', out);
    expect(resumed.resumedFrom?.step).toBe(11);
    expect(resumed.weights).toEqual(reference.weights);
  });
});
