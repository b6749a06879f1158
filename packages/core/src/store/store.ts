import { createHash } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from '../errors/index.js';
import type { RefProblemHandler, StoreBackend } from './backend.js';
import { collectGarbage, type GcOptions, type GcReport } from './gc.js';
import { readChunks, writeFully } from './internal/file-io.js';
import { mapStorageErrors, toStorageError } from './internal/io-errors.js';
import { digestOf, keyOf } from './internal/keys.js';
import { assertDigest, assertRefName, assertRefPrefix, type Digest } from './names.js';
import { createPin, type Pin, type PinOptions, RESERVED_REF_PREFIX, StorePin } from './pins.js';

export type { GcOptions, GcReport } from './gc.js';
export type { Pin, PinOptions } from './pins.js';

import { backendFor, type StoreOptions } from './store-config.js';

/** Bytes, text, a Node stream or any (async) iterable of byte chunks. */
export type BlobSource =
  | Uint8Array
  | string
  | Readable
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array>;

/** What `put` returns. */
export interface BlobInfo {
  /** `sha256:<hex>` of the bytes. */
  digest: Digest;
  /** Size in bytes. */
  size: number;
}

/** What `stat` returns. */
export interface BlobStat extends BlobInfo {
  /** When the blob was last written. */
  modifiedAt: Date;
}

/** Options of {@link Refs.set} and {@link Refs.delete}. */
export interface CompareAndSetOptions {
  /**
   * The value the ref must hold for the change to happen: a string, or `null` for "must not exist
   * yet". Omit for an unconditional write. A mismatch throws {@link ConflictError}.
   */
  expected?: string | null;
}

/** Small mutable named pointers (branches, tags, aliases) with compare-and-set. */
export interface Refs {
  /** The ref's value, or undefined when it does not exist. */
  get(name: string): Promise<string | undefined>;
  /** Sets the ref. @throws ConflictError when `options.expected` does not match. */
  set(name: string, value: string, options?: CompareAndSetOptions): Promise<void>;
  /**
   * Deletes the ref. Returns whether it existed.
   * @throws ConflictError when `options.expected` does not match.
   */
  delete(name: string, options?: CompareAndSetOptions): Promise<boolean>;
  /**
   * Names of existing refs that start with `prefix` (default all), sorted. The store's own refs
   * (under `_mlinfra/`) are listed only when `prefix` starts with `_mlinfra/`. A ref whose stored
   * record is corrupt is left out and passed to `options.onProblem` (default: ignored), so one bad
   * ref never hides the others; `get` on it throws IntegrityError naming it.
   */
  list(prefix?: string, options?: ListRefsOptions): Promise<string[]>;
  /**
   * Runs a read-modify-write loop: reads the ref, calls `update` with its value, writes the result
   * with compare-and-set, and retries on conflict after a jittered backoff (up to 100 ms).
   * Returns the value written.
   * @param maxAttempts give up with ConflictError after this many tries. Default 100.
   */
  update(
    name: string,
    update: (current: string | undefined) => string | Promise<string>,
    maxAttempts?: number,
  ): Promise<string>;
}

/** Options of {@link Refs.list}. */
export interface ListRefsOptions {
  /** Called for each ref left out because its stored record is corrupt. Default: none. */
  onProblem?: RefProblemHandler;
}

/** Options of {@link Store.put} and {@link Store.putJson}. */
export interface PutOptions {
  /**
   * A pin from {@link Store.pin} of this store: the blob is pinned before it becomes visible, so
   * a concurrent gc cannot remove it before the ref that names it is set.
   */
  pin?: Pin;
}

/** Options of {@link Store.putFile}. */
export interface PutFileOptions extends PutOptions {
  /**
   * With `link`: the file's SHA-256 (`sha256:<hex>` or bare hex), computed by the caller while
   * writing the file, so the store does not read the file at all. A wrong digest is not detected
   * until the blob is read (reads always verify). Without it the store reads and hashes the file.
   */
  digest?: string;
  /**
   * Store the file by hard link instead of copying it, where the backend can (the file backend on
   * the same file system; otherwise it copies). The caller must not modify the file afterwards.
   * Default false.
   */
  link?: boolean;
}

/** Content-addressed blob storage plus refs. Create one with {@link createStore}. */
export interface Store {
  /** Where the store lives (a folder path for the file backend). */
  readonly location: string;
  /** Small mutable pointers with compare-and-set. */
  readonly refs: Refs;
  /**
   * Stores bytes and returns their digest. Identical bytes are stored once; putting bytes that
   * already exist refreshes their write time (a running gc keeps them).
   * @throws StorageError when the disk is full or not writable (nothing partial is left).
   */
  put(data: BlobSource, options?: PutOptions): Promise<BlobInfo>;
  /** Stores a file's bytes, streaming (or by hard link with `options.link`). */
  putFile(path: string, options?: PutFileOptions): Promise<BlobInfo>;
  /** Stores a value as JSON text. */
  putJson(value: unknown, options?: PutOptions): Promise<BlobInfo>;
  /**
   * Pins blobs against gc while a write is in progress (see {@link Pin}): create the pin first,
   * put the blobs with `{ pin }` (or pass digests that already exist here, which are then pinned
   * and their write time refreshed), set the ref that names them, release the pin.
   *
   * @example
   * ```ts
   * await using pin = await store.pin();
   * const { digest } = await store.put(bytes, { pin });
   * await store.refs.set('models/latest', digest);
   * ```
   * @throws NotFoundError when a digest passed is not in the store.
   */
  pin(digests?: Iterable<string>, options?: PinOptions): Promise<Pin>;
  /**
   * A stream of the blob's bytes, verified against the digest as it is read: a mismatch ends the
   * stream with IntegrityError. @throws NotFoundError when the blob does not exist.
   */
  get(digest: string): Promise<Readable>;
  /** The blob's bytes, verified. @throws NotFoundError, IntegrityError. */
  read(digest: string): Promise<Uint8Array>;
  /** The blob parsed as JSON, verified. @throws NotFoundError, IntegrityError, ValidationError. */
  readJson<T = unknown>(digest: string): Promise<T>;
  /**
   * Writes the blob to `path`, streaming and verified, atomically (a temp file next to `path`,
   * renamed into place only when the digest matched).
   */
  getFile(digest: string, path: string): Promise<BlobInfo>;
  /** Whether the blob exists. */
  has(digest: string): Promise<boolean>;
  /** Size and write time. @throws NotFoundError. */
  stat(digest: string): Promise<BlobStat>;
  /** Every stored digest, in no particular order. */
  list(): AsyncIterable<Digest>;
  /** Removes a blob. Returns whether it existed. */
  delete(digest: string): Promise<boolean>;
  /**
   * Removes blobs that no ref reaches, and abandoned temp files. Roots are refs only: a blob is
   * kept when its digest appears anywhere in a ref's value, or inside a kept JSON blob
   * (transitively), or in a live pin, or in `options.keep`. A blob written after gc started is
   * never removed, whatever `graceMs`.
   * @throws IntegrityError (removing nothing) when a ref or a reachable JSON blob is corrupt.
   */
  gc(options?: GcOptions): Promise<GcReport>;
}

const COALESCE_BYTES = 1 << 20;
const MAX_REF_VALUE_BYTES = 64 * 1024;
const encoder = new TextEncoder();

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new ValidationError(
    `Cannot store a chunk of type ${typeof chunk}; give Uint8Array or string chunks`,
  );
}

/** Yields the source's bytes in chunks of about 1 MiB, so small chunks do not mean small writes. */
async function* chunksOf(data: BlobSource): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array || typeof data === 'string') {
    yield toBytes(data);
    return;
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    !(Symbol.asyncIterator in data || Symbol.iterator in data)
  ) {
    throw new ValidationError(
      `Cannot store a value of type ${typeof data}; give a Uint8Array, string, Readable or async iterable of chunks`,
    );
  }
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const raw of data as AsyncIterable<unknown>) {
    const chunk = toBytes(raw);
    if (chunk.byteLength >= COALESCE_BYTES && pendingBytes === 0) {
      yield chunk;
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes >= COALESCE_BYTES) {
      yield Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

class DefaultStore implements Store {
  readonly refs: Refs;

  constructor(private readonly backend: StoreBackend) {
    this.refs = this.createRefs();
  }

  get location(): string {
    return this.backend.location;
  }

  async put(data: BlobSource, options: PutOptions = {}): Promise<BlobInfo> {
    const pin = this.ownPin(options.pin);
    return this.putChunks(chunksOf(data), pin);
  }

  async pin(digests: Iterable<string> = [], options: PinOptions = {}): Promise<Pin> {
    const pin = createPin(this.backend, options);
    try {
      await pin.add(digests);
    } catch (error) {
      await pin.release();
      throw error;
    }
    return pin;
  }

  private ownPin(pin: Pin | undefined): StorePin | undefined {
    if (pin === undefined) return undefined;
    if (!(pin instanceof StorePin) || pin.backend !== this.backend) {
      throw new ValidationError(
        'The pin passed was not created by this store; create it with store.pin() of the store you put into',
      );
    }
    return pin;
  }

  /** Hashes and writes chunks; each chunk is done with before the next is pulled. */
  private async putChunks(
    chunks: AsyncIterable<Uint8Array>,
    pin: StorePin | undefined,
  ): Promise<BlobInfo> {
    const writer = await this.backend.createWriter();
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of chunks) {
        // Start the write, then hash while the file system works on it.
        const written = writer.write(chunk);
        hash.update(chunk);
        size += chunk.byteLength;
        await written;
      }
      const digest = `sha256:${hash.digest('hex')}` as Digest;
      // Pinned before it becomes visible: a gc that misses the pin started before the commit.
      await pin?.record([digest]);
      await writer.commit(keyOf(digest));
      return { digest, size };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  async putFile(path: string, options: PutFileOptions = {}): Promise<BlobInfo> {
    const pin = this.ownPin(options.pin);
    const unreadable = (error: unknown) => {
      const mapped = toStorageError(error, path, 'read');
      if (mapped !== error) return mapped;
      return new NotFoundError(`Cannot read file ${path}; check that it exists and is readable`, {
        cause: error,
      });
    };
    if (options.link === true && options.digest !== undefined && this.backend.adoptFile) {
      const digest = assertDigest(
        options.digest.startsWith('sha256:') ? options.digest : `sha256:${options.digest}`,
      );
      const info = await stat(path).catch((error: unknown) => {
        throw unreadable(error);
      });
      await pin?.record([digest]);
      if (await this.backend.adoptFile(path, keyOf(digest))) return { digest, size: info.size };
    }
    if (this.backend.writeFromFile) {
      const copied = await this.putFileCopied(path, pin, unreadable);
      if (copied !== undefined) return copied;
    }
    // Open first so a missing file is a NotFoundError here, not an unhandled stream error later.
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw unreadable(error);
    });
    return this.putChunks(readChunks(handle, true), pin);
  }

  /**
   * The backend copies the file its fastest way while this process reads and hashes it, so the
   * copy and the hash overlap. Returns undefined (the caller streams instead) when the file
   * changed meanwhile, since the copy and the hash could then disagree.
   */
  private async putFileCopied(
    path: string,
    pin: StorePin | undefined,
    unreadable: (error: unknown) => unknown,
  ): Promise<BlobInfo | undefined> {
    const before = await stat(path).catch((error: unknown) => {
      throw unreadable(error);
    });
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw unreadable(error);
    });
    const hashing = (async () => {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of readChunks(handle, true)) {
        hash.update(chunk);
        size += chunk.byteLength;
      }
      return { digest: `sha256:${hash.digest('hex')}` as Digest, size };
    })();
    const [copied, hashed] = await Promise.allSettled([this.backend.writeFromFile!(path), hashing]);
    if (copied.status === 'rejected') {
      // The source vanished (ENOENT) is the caller's problem; anything else is already mapped.
      const missing = (copied.reason as NodeJS.ErrnoException).code === 'ENOENT';
      throw missing ? unreadable(copied.reason) : copied.reason;
    }
    const writer = copied.value;
    try {
      if (hashed.status === 'rejected') throw unreadable(hashed.reason);
      const after = await stat(path);
      if (
        after.size !== before.size ||
        after.size !== hashed.value.size ||
        after.mtimeMs !== before.mtimeMs ||
        after.ctimeMs !== before.ctimeMs ||
        after.ino !== before.ino
      ) {
        await writer.abort();
        return undefined;
      }
      await pin?.record([hashed.value.digest]);
      await writer.commit(keyOf(hashed.value.digest));
      return hashed.value;
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  putJson(value: unknown, options: PutOptions = {}): Promise<BlobInfo> {
    return this.put(JSON.stringify(value), options);
  }

  private async verifiedChunks(
    digest: Digest,
    reuseBuffers = false,
  ): Promise<AsyncGenerator<Uint8Array>> {
    const source = await this.backend.openRead(keyOf(digest), { reuseBuffers });
    if (source === undefined) {
      throw new NotFoundError(
        `Blob ${digest} is not in the store at ${this.location}; check the digest or put the data first`,
      );
    }
    const location = this.location;
    return (async function* verify() {
      const hash = createHash('sha256');
      for await (const chunk of source) {
        hash.update(chunk);
        yield chunk;
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) {
        throw new IntegrityError(
          `Blob ${digest} in ${location} is corrupted (its bytes hash to ${actual}); restore it from a copy or delete it and put the data again`,
        );
      }
    })();
  }

  async get(digest: string): Promise<Readable> {
    return Readable.from(await this.verifiedChunks(assertDigest(digest)), { objectMode: false });
  }

  async read(digest: string): Promise<Uint8Array> {
    const checked = assertDigest(digest);
    const expectedSize = (await this.backend.stat(keyOf(checked)))?.size ?? 0;
    // One buffer of the blob's size, filled from reused read buffers. Bytes beyond it (a blob
    // that grew on disk) are kept in order and then fail the digest check like any corruption.
    const whole = Buffer.allocUnsafe(expectedSize);
    const overflow: Uint8Array[] = [];
    let filled = 0;
    for await (const chunk of await this.verifiedChunks(checked, true)) {
      if (overflow.length === 0 && filled + chunk.byteLength <= expectedSize) {
        whole.set(chunk, filled);
        filled += chunk.byteLength;
      } else {
        overflow.push(Buffer.from(chunk));
      }
    }
    const data = whole.subarray(0, filled);
    return overflow.length === 0 ? data : Buffer.concat([data, ...overflow]);
  }

  async readJson<T = unknown>(digest: string): Promise<T> {
    const text = new TextDecoder().decode(await this.read(digest));
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ValidationError(`Blob ${digest} is not JSON; read it with read() instead`, [], {
        cause: error,
      });
    }
  }

  async getFile(digest: string, path: string): Promise<BlobInfo> {
    const checked = assertDigest(digest);
    const chunks = await this.verifiedChunks(checked, true);
    const target = resolve(path);
    const temp = `${target}.mlinfra-${process.pid}-${Date.now()}.tmp`;
    if (this.backend.copyTo) return this.getFileCopied(checked, chunks, target, temp);
    const handle = await open(temp, 'wx').catch((error: unknown) => {
      const mapped = toStorageError(error, dirname(target), 'write a file in');
      if (mapped !== error) throw mapped;
      throw new NotFoundError(
        `Cannot write ${path}: folder ${dirname(target)} does not exist or is not writable`,
        { cause: error },
      );
    });
    let size = 0;
    try {
      // Write chunk n while chunk n + 1 is read and hashed.
      let writing: Promise<void> = Promise.resolve();
      for await (const chunk of chunks) {
        await writing;
        writing = writeFully(handle, chunk);
        // Awaited on the next turn; until then a failure (disk full) must not be "unhandled".
        writing.catch(() => undefined);
        size += chunk.byteLength;
      }
      await mapStorageErrors(target, 'write', async () => {
        await writing;
        await handle.sync();
        await handle.close();
        await rename(temp, target);
      });
      return { digest: checked, size };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw toStorageError(error, target, 'write');
    }
  }

  /**
   * The backend copies the blob its fastest way while this process reads and verifies it; the
   * copy is renamed into place only when the digest matched.
   */
  private async getFileCopied(
    digest: Digest,
    chunks: AsyncIterable<Uint8Array>,
    target: string,
    temp: string,
  ): Promise<BlobInfo> {
    const verifying = (async () => {
      let size = 0;
      for await (const chunk of chunks) size += chunk.byteLength;
      return size;
    })();
    // The copy's data is flushed as soon as it is written, while the blob is still being
    // verified: the fsync before the rename then has only metadata left.
    const copying = this.backend.copyTo!(keyOf(digest), temp).then(async (found) => {
      if (found) {
        const handle = await open(temp, 'r+');
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
      return found;
    });
    const [copied, verified] = await Promise.allSettled([copying, verifying]);
    try {
      if (verified.status === 'rejected') throw verified.reason;
      if (copied.status === 'rejected') {
        const reason = copied.reason as NodeJS.ErrnoException;
        if (reason.code === 'ENOENT' || reason.code === 'ENOTDIR') {
          throw new NotFoundError(
            `Cannot write ${target}: folder ${dirname(target)} does not exist or is not writable`,
            { cause: reason },
          );
        }
        throw reason;
      }
      if (!copied.value) {
        throw new NotFoundError(`Blob ${digest} is not in the store at ${this.location}`);
      }
      await mapStorageErrors(target, 'write', async () => {
        const handle = await open(temp, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, target);
      });
      return { digest, size: verified.value };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async has(digest: string): Promise<boolean> {
    return (await this.backend.stat(keyOf(assertDigest(digest)))) !== undefined;
  }

  async stat(digest: string): Promise<BlobStat> {
    const checked = assertDigest(digest);
    const info = await this.backend.stat(keyOf(checked));
    if (info === undefined)
      throw new NotFoundError(`Blob ${digest} is not in the store at ${this.location}`);
    return { digest: checked, size: info.size, modifiedAt: info.modifiedAt };
  }

  async *list(): AsyncIterable<Digest> {
    for await (const key of this.backend.list()) {
      const digest = digestOf(key);
      if (digest !== undefined) yield digest;
    }
  }

  async delete(digest: string): Promise<boolean> {
    return this.backend.delete(keyOf(assertDigest(digest)));
  }

  gc(options: GcOptions = {}): Promise<GcReport> {
    return collectGarbage(
      this.backend,
      async (digest) => {
        try {
          return await this.verifiedChunks(digest);
        } catch (error) {
          if (NotFoundError.isInstance(error)) return undefined;
          throw error;
        }
      },
      options,
    );
  }

  private createRefs(): Refs {
    const backend = this.backend;
    const checkValue = (name: string, value: unknown): string => {
      if (typeof value !== 'string') {
        throw new ValidationError(
          `The value of ref "${name}" must be a string, got ${typeof value}; JSON.stringify objects first`,
        );
      }
      if (encoder.encode(value).byteLength > MAX_REF_VALUE_BYTES) {
        throw new ValidationError(
          `The value of ref "${name}" is larger than ${MAX_REF_VALUE_BYTES} bytes; put large data in a blob and store its digest in the ref`,
        );
      }
      return value;
    };
    const writable = (name: string): string => {
      assertRefName(name);
      if (name.startsWith(RESERVED_REF_PREFIX)) {
        throw new ValidationError(
          `Ref "${name}" is under "${RESERVED_REF_PREFIX}", which the store keeps for itself (pins); choose another name`,
        );
      }
      return name;
    };
    const conflict = (name: string, expected: string | null) =>
      new ConflictError(
        `Ref "${name}" changed: expected ${expected === null ? 'it not to exist' : JSON.stringify(expected)}; read it again and retry`,
      );
    const refs: Refs = {
      get: async (name) => backend.getRef(assertRefName(name)),
      async set(name, value, options = {}) {
        writable(name);
        checkValue(name, value);
        if (!(await backend.compareAndSetRef(name, value, options.expected))) {
          throw conflict(name, options.expected ?? null);
        }
      },
      async delete(name, options = {}) {
        writable(name);
        // A corrupt ref exists too (and an unconditional delete is how to remove it).
        const existed = await backend.getRef(name).then(
          (value) => value !== undefined,
          (error: unknown) => {
            if (options.expected === undefined && IntegrityError.isInstance(error)) return true;
            throw error;
          },
        );
        if (!(await backend.compareAndSetRef(name, undefined, options.expected))) {
          if (options.expected === undefined) return false;
          throw conflict(name, options.expected);
        }
        return existed;
      },
      async list(prefix, options = {}) {
        const checked = assertRefPrefix(prefix);
        const names = await backend.listRefs(checked, options.onProblem);
        return checked.startsWith(RESERVED_REF_PREFIX)
          ? names
          : names.filter((name) => !name.startsWith(RESERVED_REF_PREFIX));
      },
      async update(name, update, maxAttempts = 100) {
        writable(name);
        for (let attempt = 0; attempt < maxAttempts; attempt++) {
          const current = await backend.getRef(name);
          const next = checkValue(name, await update(current));
          if (await backend.compareAndSetRef(name, next, current ?? null)) return next;
          // Jittered exponential backoff (1 ms doubling to 100 ms) so contending writers spread out.
          const ceiling = Math.min(100, 2 ** attempt);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
        }
        throw new ConflictError(
          `Ref "${name}" kept changing during ${maxAttempts} attempts; too many writers contend for it, so retry later or raise maxAttempts`,
        );
      },
    };
    return refs;
  }
}

/**
 * Opens a store. Nothing connects until the first operation.
 *
 * @param location where the data lives:
 * - a folder path or `file://` URL: blobs and refs in that folder (one host);
 * - {@link StoreOptions}, `{ blobs, refs?, s3?, postgres? }`: blobs in a folder or
 *   `s3://bucket/prefix`, refs in `postgres://...` (several hosts);
 * - `{ backend }`: a custom {@link StoreBackend};
 * - nothing: `{ blobs: $MLINFRA_STORE ?? $MLINFRA_HOME ?? './.mlinfra', refs: $MLINFRA_DATABASE_URL }`.
 * @throws ValidationError for malformed options or an unsupported URL scheme.
 *
 * @example
 * ```ts
 * const store = createStore('./.mlinfra');
 * const { digest } = await store.put('hello');
 * await store.refs.set('greeting', digest, { expected: null });
 * ```
 */
export function createStore(
  location?: string | URL | StoreOptions | { backend: StoreBackend },
): Store {
  if (typeof location === 'object' && location !== null && 'backend' in location) {
    if (typeof location.backend !== 'object' || location.backend === null) {
      throw new ValidationError('createStore({ backend }) needs a StoreBackend object');
    }
    return new DefaultStore(location.backend);
  }
  if (
    location !== undefined &&
    typeof location !== 'string' &&
    (typeof location !== 'object' || location === null)
  ) {
    throw new ValidationError(
      `createStore() takes a folder path, a file:// URL, { blobs, refs } or { backend }, got ${location === null ? 'null' : typeof location}`,
    );
  }
  return new DefaultStore(backendFor(location));
}

/** True when `value` looks like a {@link Store} (structural check used by other packages). */
export function isStore(value: unknown): value is Store {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Store).put === 'function' &&
    typeof (value as Store).refs === 'object'
  );
}
