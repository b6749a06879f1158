import { execFile } from 'node:child_process';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors/index.js';
import { createStore } from './store.js';

const run = promisify(execFile);
const SIZE = '4m';

/**
 * A real, small file system: a tmpfs of 4 MiB mounted for this test (needs root, as in CI here), or
 * the folder named by MLINFRA_TEST_SMALL_FS (a small mounted file system you prepared, which this
 * test remounts read-only to test EROFS, so root is still needed for that one).
 */
let mountPoint: string;
let mounted = false;

beforeEach(async () => {
  const given = process.env.MLINFRA_TEST_SMALL_FS;
  if (given !== undefined && given !== '') {
    mountPoint = await mkdtemp(join(given, 'mlinfra-enospc-'));
    return;
  }
  mountPoint = await mkdtemp(join(tmpdir(), 'mlinfra-enospc-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', mountPoint]);
    mounted = true;
  } catch (error) {
    throw new Error(
      `These tests need a real small file system: run them as root (they mount a ${SIZE} tmpfs), or set MLINFRA_TEST_SMALL_FS to a folder on a small mounted file system. mount said: ${String((error as Error).message)}`,
    );
  }
});

afterEach(async () => {
  if (mounted) {
    await run('umount', [mountPoint]);
    mounted = false;
  }
  await rm(mountPoint, { recursive: true, force: true });
});

/** Fills the file system with a plain file until the kernel says ENOSPC. */
async function fillDisk(path: string): Promise<void> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await handle.close();
  }
}

function expectStorageError(error: unknown, code: string): StorageError {
  expect(StorageError.isInstance(error)).toBe(true);
  const storage = error as StorageError;
  expect(storage.code).toBe('STORAGE');
  expect(storage.systemCode).toBe(code);
  expect(storage.path.startsWith(mountPoint)).toBe(true);
  expect(storage.message).toContain(code);
  return storage;
}

describe('disk full (ENOSPC) on a real 4 MiB tmpfs', () => {
  it('put fails with StorageError (code, path, fix), leaves no partial blob, and the store keeps working', async () => {
    const store = createStore(join(mountPoint, 'home'));
    const small = await store.put('kept before the disk filled');
    await store.refs.set('head', small.digest);

    const error = await store.put(Buffer.alloc(6 * 1024 * 1024, 7)).catch((e: unknown) => e);
    expect(expectStorageError(error, 'ENOSPC').message).toMatch(/disk is full/);
    expect(await readdir(join(mountPoint, 'home', 'tmp'))).toEqual([]);
    const digests = [];
    for await (const digest of store.list()) digests.push(digest);
    expect(digests).toEqual([small.digest]);

    // Still usable once there is room again.
    expect((await store.put('after')).size).toBe(5);
  });

  it('with the disk full, reads still work and writes fail typed', async () => {
    const store = createStore(join(mountPoint, 'home'));
    const blob = await store.put(Buffer.alloc(100_000, 3));
    await store.refs.set('datasets/a/branches/main', blob.digest);
    await fillDisk(join(mountPoint, 'filler'));

    expect((await store.read(blob.digest)).byteLength).toBe(100_000);
    expect(await store.refs.get('datasets/a/branches/main')).toBe(blob.digest);
    expect(await store.refs.list()).toEqual(['datasets/a/branches/main']);
    const chunks = [];
    for await (const chunk of await store.get(blob.digest)) chunks.push(chunk);
    expect(Buffer.concat(chunks).byteLength).toBe(100_000);

    expectStorageError(
      await store.put(Buffer.alloc(200_000, 9)).catch((e: unknown) => e),
      'ENOSPC',
    );
    expectStorageError(
      await store.refs.set('datasets/a/branches/dev', 'x'.repeat(60_000)).catch((e: unknown) => e),
      'ENOSPC',
    );
    expectStorageError(
      await store.getFile(blob.digest, join(mountPoint, 'copy.bin')).catch((e: unknown) => e),
      'ENOSPC',
    );
    expect((await readdir(mountPoint)).filter((name) => name.startsWith('copy'))).toEqual([]);
    // The ref that existed is untouched by the failed writes.
    expect(await store.refs.get('datasets/a/branches/main')).toBe(blob.digest);
  });
});

describe('read-only file system (EROFS)', () => {
  it('writes fail with StorageError EROFS; reads work', async () => {
    if (!mounted) {
      throw new Error(
        'The EROFS test remounts its tmpfs read-only: run it as root without MLINFRA_TEST_SMALL_FS',
      );
    }
    const store = createStore(join(mountPoint, 'home'));
    const blob = await store.put('before');
    await store.refs.set('r', blob.digest);
    await writeFile(join(mountPoint, 'marker'), 'x');
    await run('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      expectStorageError(await store.put('after').catch((e: unknown) => e), 'EROFS');
      expectStorageError(await store.refs.set('r', 'x').catch((e: unknown) => e), 'EROFS');
      expect(await store.readJson(blob.digest).catch(() => 'not json')).toBe('not json');
      expect(Buffer.from(await store.read(blob.digest)).toString()).toBe('before');
      expect(await store.refs.get('r')).toBe(blob.digest);
    } finally {
      await run('mount', ['-o', 'remount,rw', mountPoint]);
    }
  });
});
