import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  sawSigterm: Promise<void>;
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
  const sawSigterm = new Promise<void>((resolve) => {
    let stdout = '';
    processHandle.stdout?.on('data', (chunk) => {
      stdout += String(chunk);
      if (stdout.includes('sigterm')) resolve();
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    processHandle.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(stderr);
      resolve({ code, signal });
    });
  });
  return { process: processHandle, paused, sawSigterm, exited };
}

async function runToEnd(store: string, run: string, out: string): Promise<ChildResult> {
  const { exited } = start(store, run, out, 'none');
  expect(await exited).toEqual({ code: 0, signal: null });
  return JSON.parse(await readFile(out, 'utf8')) as ChildResult;
}

describe('exact resume across processes (cpu backend)', () => {
  let folder: string;
  beforeAll(async () => {
    const built = join(dirname(child), '..', '..', '..', 'dist', 'index.js');
    if (!existsSync(built)) {
      throw new Error(
        `This test runs the built package in child processes; build it first: pnpm --filter @mlinfra/trainer build (${built} is missing)`,
      );
    }
    folder = await mkdtemp(join(tmpdir(), 'trainer-resume-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('a run stopped by SIGTERM, then killed with SIGKILL mid-epoch, then resumed ends bit-identical to an uninterrupted run', async () => {
    // The uninterrupted reference runs alongside the interrupted chain.
    const referencePromise = runToEnd(
      join(folder, 'reference'),
      'run',
      join(folder, 'reference.json'),
    );
    const store = join(folder, 'interrupted');
    const out = join(folder, 'interrupted.json');

    // 1. SIGTERM while paused at the end of step 7: a checkpoint of step 7 is written, then the signal ends the process.
    const terminated = start(store, 'run', out, 7);
    await terminated.paused;
    terminated.process.kill('SIGTERM');
    // Release the pause only once the child has the signal, or it may finish step 8 first.
    await terminated.sawSigterm;
    await writeFile(`${out}.go`, '');
    expect((await terminated.exited).signal).toBe('SIGTERM');
    await rm(`${out}.go`);
    let listing = await listCheckpoints(createStore(store), 'run');
    let latest = await readCheckpointBlob(createStore(store), listing.latest as string);
    expect(latest.state).toMatchObject({ step: 7, epoch: 0, stepInEpoch: 7 });

    // 2. Resumed, then SIGKILL mid-epoch at step 13: nothing is written at the kill, the step-10 checkpoint stays latest.
    const killed = start(store, 'run', out, 13);
    await killed.paused;
    killed.process.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    listing = await listCheckpoints(createStore(store), 'run');
    latest = await readCheckpointBlob(createStore(store), listing.latest as string);
    expect(latest.state).toMatchObject({ step: 10, epoch: 1, stepInEpoch: 2 });
    expect(listing.recent.map((entry) => entry.step)).toEqual([8, 10]);

    // 3. Resumed to the end.
    const resumed = await runToEnd(store, 'run', out);
    const reference = await referencePromise;
    expect(reference.status).toBe('completed');
    expect(reference.steps).toBe(24);
    expect(resumed.resumedFrom?.step).toBe(10);
    expect(resumed.status).toBe('completed');
    expect(resumed.weights).toEqual(reference.weights);
    expect(resumed.history).toEqual(reference.history);
  });
});
