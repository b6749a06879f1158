import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from '../errors/index.js';
import { type OpenedStore, storeHarnesses } from './__fixtures__/backends.js';
import { createStore, type Store } from './store.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

function child(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(fixtures, script), ...args], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function runChild(script: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(fixtures, script), ...args],
    {
      cwd: packageRoot,
      maxBuffer: 1 << 20,
    },
  );
  return stdout;
}

function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// The store contract: every backend passes the same tests.
describe.each(storeHarnesses)('store on $name', (harness) => {
  let opened: OpenedStore;
  let store: Store;
  /** Scratch folder for files going in and out of the store. */
  let work: string;

  beforeEach(async () => {
    opened = await harness.open();
    store = opened.store;
    work = opened.work;
  });

  afterEach(async () => {
    await opened.close();
  });

  describe('blobs', () => {
    it('stores every kind of source under its SHA-256 and reads it back', async () => {
      const text = 'hello, mlinfra';
      const expected = sha256(text);
      const sources = [
        text,
        new TextEncoder().encode(text),
        Readable.from([Buffer.from('hello, '), Buffer.from('mlinfra')]),
        (async function* () {
          yield 'hello';
          yield new TextEncoder().encode(', mlinfra');
        })(),
        [new TextEncoder().encode(text)],
      ];
      for (const source of sources) {
        const info = await store.put(source);
        expect(info).toEqual({ digest: expected, size: 14 });
      }
      expect(new TextDecoder().decode(await store.read(expected))).toBe(text);
      const streamed: Buffer[] = [];
      for await (const part of await store.get(expected)) streamed.push(part as Buffer);
      expect(Buffer.concat(streamed).toString()).toBe(text);
    });

    it('stores identical bytes once', async () => {
      await store.put('same');
      await store.put(Buffer.from('same'));
      await store.put('other');
      const digests: string[] = [];
      for await (const digest of store.list()) digests.push(digest);
      expect(digests.sort()).toEqual([sha256('same'), sha256('other')].sort());
    });

    it('answers has, stat and delete', async () => {
      const { digest } = await store.put('abc');
      expect(await store.has(digest)).toBe(true);
      expect((await store.stat(digest)).size).toBe(3);
      expect(await store.delete(digest)).toBe(true);
      expect(await store.delete(digest)).toBe(false);
      expect(await store.has(digest)).toBe(false);
      await expect(store.stat(digest)).rejects.toSatisfy(NotFoundError.isInstance);
      await expect(store.read(digest)).rejects.toSatisfy(NotFoundError.isInstance);
    });

    it('streams files in and out with putFile and getFile', async () => {
      const source = join(work, 'source.bin');
      // Larger than one S3 part (8 MiB), so the shared backend goes through multipart upload.
      const data = new Uint8Array(19 * (1 << 20) + 17).map((_, index) => index % 251);
      await writeFile(source, data);
      const info = await store.putFile(source);
      expect(info).toEqual({ digest: sha256(data), size: data.length });
      const target = join(work, 'copy.bin');
      await store.getFile(info.digest, target);
      expect(Buffer.compare(await readFile(target), Buffer.from(data))).toBe(0);
      // Putting it again keeps one blob and leaves no temporary behind.
      expect(await store.putFile(source)).toEqual(info);
      expect(await opened.temporaries()).toEqual([]);
      await expect(store.putFile(join(work, 'missing.bin'))).rejects.toSatisfy(
        NotFoundError.isInstance,
      );
    });

    it('stores a file given with its digest and link, copying where it cannot link', async () => {
      const source = join(work, 'linked.bin');
      const data = new Uint8Array(100_000).map((_, index) => (index * 7) % 256);
      await writeFile(source, data);
      const digest = sha256(data);
      const info = await store.putFile(source, {
        digest: digest.slice('sha256:'.length),
        link: true,
      });
      expect(info).toEqual({ digest, size: data.length });
      expect(Buffer.compare(Buffer.from(await store.read(digest)), Buffer.from(data))).toBe(0);
      // A digest that is not SHA-256 hex is refused before anything is stored.
      await expect(store.putFile(source, { digest: 'nope', link: true })).rejects.toSatisfy(
        ValidationError.isInstance,
      );
      await expect(
        store.putFile(join(work, 'missing.bin'), { digest, link: true }),
      ).rejects.toSatisfy(NotFoundError.isInstance);
    });

    it('round-trips JSON', async () => {
      const { digest } = await store.putJson({ a: [1, 2], b: 'c' });
      expect(await store.readJson(digest)).toEqual({ a: [1, 2], b: 'c' });
    });

    it('detects a blob altered where it is stored on every read path, and getFile leaves no file', async () => {
      const { digest } = await store.put('precious bytes');
      await opened.corrupt(digest, 'precious bytez');
      await expect(store.read(digest)).rejects.toSatisfy(IntegrityError.isInstance);
      const stream = await store.get(digest);
      await expect(
        (async () => {
          for await (const _ of stream) {
            // drain
          }
        })(),
      ).rejects.toSatisfy(IntegrityError.isInstance);
      const target = join(work, 'out.txt');
      await expect(store.getFile(digest, target)).rejects.toSatisfy(IntegrityError.isInstance);
      await expect(stat(target)).rejects.toThrow();
      expect(await readdir(work)).toEqual([]);
    });

    it('refuses malformed digests before reaching the storage', async () => {
      for (const bad of [
        '../../etc/passwd',
        'sha256:../../../etc/passwd',
        `sha256:${'A'.repeat(64)}`,
        `sha256:${'a'.repeat(63)}`,
        `sha256:${'a'.repeat(64)}\0`,
        `md5:${'a'.repeat(32)}`,
        '',
      ]) {
        await expect(store.read(bad)).rejects.toSatisfy(ValidationError.isInstance);
        await expect(store.has(bad)).rejects.toSatisfy(ValidationError.isInstance);
        await expect(store.delete(bad)).rejects.toSatisfy(ValidationError.isInstance);
      }
    });

    it('refuses sources it cannot store', async () => {
      await expect(store.put(42 as unknown as string)).rejects.toSatisfy(
        ValidationError.isInstance,
      );
      await expect(store.put([{ not: 'bytes' }] as unknown as Uint8Array[])).rejects.toSatisfy(
        ValidationError.isInstance,
      );
      expect(await opened.temporaries()).toEqual([]);
    });
  });

  describe('refs', () => {
    it('compare-and-set: create, update, conflict, delete', async () => {
      expect(await store.refs.get('datasets/iris/branches/main')).toBeUndefined();
      await store.refs.set('datasets/iris/branches/main', 'v1', { expected: null });
      await expect(
        store.refs.set('datasets/iris/branches/main', 'v2', { expected: null }),
      ).rejects.toSatisfy(ConflictError.isInstance);
      await expect(
        store.refs.set('datasets/iris/branches/main', 'v2', { expected: 'v0' }),
      ).rejects.toSatisfy(ConflictError.isInstance);
      await store.refs.set('datasets/iris/branches/main', 'v2', { expected: 'v1' });
      expect(await store.refs.get('datasets/iris/branches/main')).toBe('v2');
      await expect(
        store.refs.delete('datasets/iris/branches/main', { expected: 'v1' }),
      ).rejects.toSatisfy(ConflictError.isInstance);
      expect(await store.refs.delete('datasets/iris/branches/main', { expected: 'v2' })).toBe(true);
      expect(await store.refs.get('datasets/iris/branches/main')).toBeUndefined();
      expect(await store.refs.delete('datasets/iris/branches/main')).toBe(false);
      await store.refs.set('datasets/iris/branches/main', 'v3', { expected: null });
      expect(await store.refs.get('datasets/iris/branches/main')).toBe('v3');
    });

    it('lists by prefix, nested names included, deleted ones excluded', async () => {
      await store.refs.set('a/b', '1');
      await store.refs.set('a/b/c', '2');
      await store.refs.set('a/bc', '3');
      await store.refs.set('z', '4');
      await store.refs.set('a/gone', '5');
      await store.refs.delete('a/gone');
      // "_" and "%" are wildcards in SQL LIKE; a prefix must match them literally.
      await store.refs.set('x_y', '6');
      await store.refs.set('xay', '7');
      expect(await store.refs.list()).toEqual(['a/b', 'a/b/c', 'a/bc', 'x_y', 'xay', 'z']);
      expect(await store.refs.list('a/')).toEqual(['a/b', 'a/b/c', 'a/bc']);
      expect(await store.refs.list('a/b/')).toEqual(['a/b/c']);
      expect(await store.refs.list('a/b')).toEqual(['a/b', 'a/b/c', 'a/bc']);
      expect(await store.refs.list('x_')).toEqual(['x_y']);
    });

    it('refuses hostile names and never writes outside the store', async () => {
      const outside = join(work, '..');
      const before = await readdir(outside);
      for (const bad of [
        '..',
        '../escape',
        'a/../../escape',
        '/etc/passwd',
        'a\\b',
        'a\0b',
        '',
        'a//b',
        'a/',
        '.hidden',
        'x'.repeat(600),
        'a/=0000',
        "a'; DROP TABLE mlinfra_refs; --",
      ]) {
        await expect(store.refs.set(bad, 'v')).rejects.toSatisfy(ValidationError.isInstance);
        await expect(store.refs.get(bad)).rejects.toSatisfy(ValidationError.isInstance);
      }
      await expect(store.refs.list('../')).rejects.toSatisfy(ValidationError.isInstance);
      expect(await readdir(outside)).toEqual(before);
      // Values are data, never code.
      await store.refs.set('quoted', "it's'); DROP TABLE mlinfra_refs; --");
      expect(await store.refs.get('quoted')).toBe("it's'); DROP TABLE mlinfra_refs; --");
    });

    it('refuses non-string and oversized values', async () => {
      await expect(store.refs.set('a', 5 as unknown as string)).rejects.toSatisfy(
        ValidationError.isInstance,
      );
      await expect(store.refs.set('a', 'x'.repeat(70_000))).rejects.toSatisfy(
        ValidationError.isInstance,
      );
    });

    it('update() retries until its write lands', async () => {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.refs.update('counter', (current) => String(Number(current ?? '0') + 1)),
        ),
      );
      expect(await store.refs.get('counter')).toBe('20');
    });

    it('4 processes x 250 compare-and-set increments end at exactly 1000', async () => {
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () => runChild('cas-counter.ts', [opened.spec, '250'])),
      );
      expect(await store.refs.get('counter')).toBe('1000');
      // Contention really happened, or the test proved nothing about concurrency.
      const conflicts = outputs.reduce((sum, output) => sum + JSON.parse(output).conflicts, 0);
      expect(conflicts).toBeGreaterThan(0);
    }, 120_000);
  });

  describe('crash safety and gc', () => {
    it('a child killed with SIGKILL mid-put leaves no partial blob and a whole ref', async () => {
      const writer = child('endless-writes.ts', [opened.spec]);
      await new Promise<void>((resolve, reject) => {
        writer.stdout!.on('data', (data: Buffer) => {
          if (data.toString().includes('writing')) resolve();
        });
        writer.on('exit', () => reject(new Error('child exited early')));
      });
      writer.kill('SIGKILL');
      await new Promise((resolve) => writer.on('exit', resolve));

      // Every blob present is whole: it reads back and matches its digest.
      for await (const digest of store.list()) await store.read(digest);
      const value = await store.refs.get('flip');
      expect(value).toMatch(/^value-(\d+)-x*$/);
      const [, index, padding] = /^value-(\d+)-(x*)$/.exec(value!)!;
      expect(padding!.length).toBe(Number(index) % 1000);
      const report = await store.gc({ keep: [], graceMs: 0 });
      if (harness.gcRemovesFreshTemporaries) {
        // The interrupted put left a temp file behind; gc removes it because its writer is dead.
        expect(report.temporaryFilesRemoved).toBeGreaterThan(0);
        expect(await opened.temporaries()).toEqual([]);
      }
      // Still usable.
      const { digest } = await store.put('after the crash');
      expect(new TextDecoder().decode(await store.read(digest))).toBe('after the crash');
      await store.refs.set('flip', 'after', { expected: value! });
    }, 60_000);

    it('gc removes unreferenced blobs, keeps live and ref-named ones, and respects the grace period', async () => {
      const live = await store.put('live');
      const named = await store.put('named by a ref');
      const dead = await store.put('dead');
      const fresh = await store.put('fresh');
      await store.refs.set('models/m/latest', named.digest);
      const old = new Date(Date.now() - 3_600_000);
      for (const info of [live, named, dead]) await opened.age(info.digest, old);

      const report = await store.gc({ keep: [live.digest], graceMs: 60_000 });
      expect(report.removed).toEqual([dead.digest]);
      expect(report.freedBytes).toBe(4);
      expect(await store.has(live.digest)).toBe(true);
      expect(await store.has(named.digest)).toBe(true);
      expect(await store.has(fresh.digest)).toBe(true);
      expect(await store.has(dead.digest)).toBe(false);
    });

    it('gc never removes a blob written while it runs', async () => {
      const blocker = { release: () => {} };
      const gate = new Promise<void>((resolve) => {
        blocker.release = resolve;
      });
      const slowPut = store.put(
        (async function* () {
          yield 'first half, ';
          await gate;
          yield 'second half';
        })(),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const report = await store.gc({ keep: [], graceMs: 0 });
      expect(report.temporaryFilesRemoved).toBe(0);
      blocker.release();
      const { digest } = await slowPut;
      // A second gc right after the write finished still keeps it (written after the cutoff).
      const cutoffBefore = store.gc({ keep: [], graceMs: 10_000 });
      expect((await cutoffBefore).removed).not.toContain(digest);
      expect(await store.has(digest)).toBe(true);
    });

    it('refuses a negative grace period', async () => {
      await expect(store.gc({ keep: [], graceMs: -1 })).rejects.toSatisfy(
        ValidationError.isInstance,
      );
    });
  });

  describe('memory', () => {
    const size = Number(process.env.MLINFRA_BIG_BYTES ?? 2 * 1024 ** 3);
    it(`round-trips a ${size / 1024 ** 3} GiB stream with RSS under 200 MiB`, async () => {
      const result = JSON.parse(await runChild('big-roundtrip.ts', [opened.spec, String(size)]));
      expect(result.stored).toBe(size);
      expect(result.matches).toBe(true);
      expect(result.maxRssMiB, JSON.stringify(result)).toBeLessThan(200);
    }, 600_000);
  });
});

describe('file store specifics', () => {
  let root: string;
  let store: Store;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mlinfra-core-'));
    store = createStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function blobPath(digest: string): string {
    const hex = digest.slice('sha256:'.length);
    return join(root, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2));
  }

  it('stores a file by hard link with a digest computed while writing it', async () => {
    const source = join(root, 'linked.bin');
    const data = new Uint8Array(100_000).map((_, index) => (index * 7) % 256);
    await writeFile(source, data);
    const digest = sha256(data);
    const info = await store.putFile(source, { digest, link: true });
    expect((await stat(blobPath(info.digest))).ino).toBe((await stat(source)).ino);
    // Linking the same content again replaces the name and keeps one blob.
    const again = join(root, 'linked-again.bin');
    await writeFile(again, data);
    expect(await store.putFile(again, { digest, link: true })).toEqual(info);
    expect(Buffer.compare(Buffer.from(await store.read(digest)), Buffer.from(data))).toBe(0);
  });

  it('accepts file:// URLs', async () => {
    const viaUrl = createStore(pathToFileURL(root));
    const { digest } = await viaUrl.put('x');
    expect(await store.has(digest)).toBe(true);
  });

  it('takes over a lock left by a writer that died, and waits for a live one', async () => {
    await store.refs.set('model', 'v1');
    const folder = join(root, 'refs', 'model');
    const { token } = JSON.parse(await readFile(join(folder, '=current'), 'utf8'));
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    await writeFile(join(folder, `=lock-${token}-0`), JSON.stringify({ pid: dead.pid }));
    await store.refs.set('model', 'v2', { expected: 'v1' });
    expect(await store.refs.get('model')).toBe('v2');
    expect((await readdir(folder)).filter((name) => name.startsWith('=lock'))).toEqual([]);

    // A live holder (this process's parent stands in for one) blocks writers until it lets go.
    const { token: second } = JSON.parse(await readFile(join(folder, '=current'), 'utf8'));
    const held = join(folder, `=lock-${second}-0`);
    await writeFile(held, JSON.stringify({ pid: process.ppid }));
    let landed = false;
    const write = store.refs.set('model', 'v3', { expected: 'v2' }).then(() => {
      landed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(landed).toBe(false);
    await rm(held);
    await write;
    expect(await store.refs.get('model')).toBe('v3');
  });
});
