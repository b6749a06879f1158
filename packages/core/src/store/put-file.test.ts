import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors/index.js';
import { createStore } from './store.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mlinfra-putfile-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('putFile and getFile (copy and hash overlapped)', () => {
  it('a file growing during putFile never yields a blob that fails its digest', async () => {
    const store = createStore(join(root, 'store'));
    const source = join(root, 'growing.bin');
    for (let round = 0; round < 5; round++) {
      await writeFile(source, randomBytes(16 << 20));
      let stop = false;
      const appender = (async () => {
        while (!stop) await appendFile(source, randomBytes(256 << 10));
      })();
      const blob = await store.putFile(source);
      stop = true;
      await appender;
      // Reads verify: bytes stored under the digest must hash to it.
      expect((await store.read(blob.digest)).byteLength).toBe(blob.size);
    }
  });

  it('getFile copies verified bytes into place and names a missing folder', async () => {
    const store = createStore(join(root, 'store'));
    const bytes = randomBytes(3 << 20);
    const { digest } = await store.put(bytes);
    const out = join(root, 'out.bin');
    expect(await store.getFile(digest, out)).toEqual({ digest, size: bytes.byteLength });
    expect((await store.putFile(out)).digest).toBe(digest);
    await expect(store.getFile(digest, join(root, 'no', 'such', 'out.bin'))).rejects.toSatisfy(
      NotFoundError.isInstance,
    );
    await expect(store.putFile(join(root, 'missing.bin'))).rejects.toSatisfy(
      NotFoundError.isInstance,
    );
  });
});
