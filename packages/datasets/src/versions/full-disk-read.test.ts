import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createStore } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatasets } from './datasets.js';

const run = promisify(execFile);
let mountPoint: string;

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'mlinfra-datasets-full-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
  } catch (error) {
    throw new Error(
      `This test needs a real small file system: run it as root (it mounts a 1 MiB tmpfs). mount said: ${String((error as Error).message)}`,
    );
  }
});

afterAll(async () => {
  await run('umount', [mountPoint]).catch(() => undefined);
  await rm(mountPoint, { recursive: true, force: true });
});

describe('reading a version when the cache disk is full', () => {
  it('reads the verified blob in memory instead of failing for want of space', async () => {
    const store = createStore(await mkdtemp(join(tmpdir(), 'mlinfra-datasets-store-')));
    const ids = Float64Array.from({ length: 50_000 }, (_, index) => index * 1.5);
    const version = await openDatasets({ store, author: 'tester' }).commit('big', { x: ids });
    // A reader whose cache sits on a file system with no space left (~400 KB of Parquet to cache).
    const filler = await open(join(mountPoint, 'filler'), 'w');
    try {
      for (;;) await filler.write(Buffer.alloc(64 * 1024, 1));
    } catch {
      // ENOSPC: the cache's disk is full now.
    } finally {
      await filler.close();
    }
    const reader = openDatasets({ store, cacheDir: join(mountPoint, 'cache') });
    const columns = await reader.dataset('big', version.id).columns();
    expect(Array.from(columns.x as Float64Array)).toEqual(Array.from(ids));
  });
});
