import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createStore, StorageError } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from './open-registry.js';

const run = promisify(execFile);

// A real 2 MiB tmpfs for the registry database (needs root, as in CI here); the store lives
// elsewhere so only the database runs out of space.
let mountPoint: string;

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'mlinfra-registry-full-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
  } catch (error) {
    throw new Error(
      `This test needs a real small file system: run it as root (it mounts a 2 MiB tmpfs). mount said: ${String((error as Error).message)}`,
    );
  }
});

afterAll(async () => {
  await run('umount', [mountPoint]).catch(() => undefined);
  await rm(mountPoint, { recursive: true, force: true });
});

describe('a SQLite registry on a full disk', () => {
  it('answers a typed StorageError naming the database, and keeps what it had', async () => {
    const store = createStore(await mkdtemp(join(tmpdir(), 'mlinfra-registry-store-')));
    const database = join(mountPoint, 'registry.db');
    const registry = await openRegistry({ database, store });
    const first = await registry.registerModel('m', { artifact: new TextEncoder().encode('v1') });
    // Fill what is left of the file system with a plain file.
    const filler = await open(join(mountPoint, 'filler'), 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) await filler.write(chunk);
    } catch {
      // ENOSPC: the disk is full now.
    } finally {
      await filler.close();
    }
    let caught: unknown;
    try {
      const run = await registry.startRun({
        experiment: 'x'.repeat(10),
        params: { big: 'p'.repeat(100_000) },
      });
      for (let step = 0; step < 50_000; step++) await run.logMetrics({ loss: step }, { step });
      await run.end('finished');
    } catch (error) {
      caught = error;
    }
    expect(StorageError.isInstance(caught), String(caught)).toBe(true);
    expect((caught as StorageError).systemCode).toBe('ENOSPC');
    expect((caught as Error).message).toContain(database);
    expect((await registry.getVersion('m', first.version)).version).toBe(first.version);
    await registry.close();
  });
});
