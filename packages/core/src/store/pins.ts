import { randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { StoreBackend } from './backend.js';
import { keyOf } from './internal/keys.js';
import { assertDigest, type Digest } from './names.js';

/** Refs under this prefix belong to the store itself (pins); `refs.set` refuses them. */
export const RESERVED_REF_PREFIX = '_mlinfra/';
/** Where pins live: one or more refs per pin, `_mlinfra/pins/<id>-<n>`. */
export const PIN_REF_PREFIX = `${RESERVED_REF_PREFIX}pins/`;
/** Digests per pin ref: 800 x 73 bytes stays below the 64 KiB ref value limit. */
const DIGESTS_PER_REF = 800;
const DEFAULT_TTL_MS = 24 * 60 * 60_000;

/** Options of {@link Store.pin}. */
export interface PinOptions {
  /**
   * How long the pin protects its blobs if it is never released (its process died), counted from
   * its last change, in milliseconds. gc ignores and removes an expired pin. Default 86400000
   * (24 hours).
   */
  ttlMs?: number;
}

/**
 * Protects blobs from `store.gc()` while a write is in progress: create it before putting the
 * blobs (pass it to `put`/`putJson`/`putFile` as `{ pin }`, or `add` digests that already exist),
 * set the ref that names them, then release it (`await using pin = await store.pin()` releases it
 * at the end of the block). A pin is stored as refs under `_mlinfra/pins/`, so it protects across
 * processes and machines sharing the store.
 */
export interface Pin extends AsyncDisposable {
  /** The digests pinned so far. */
  readonly digests: ReadonlySet<Digest>;
  /**
   * Pins blobs that already exist and refreshes their write time, so a gc that is running now
   * keeps them too. @throws NotFoundError when a blob is not in the store (put it again).
   */
  add(digests: Iterable<string>): Promise<void>;
  /** Removes the pin (idempotent). Blobs stay only if a ref names them by then. */
  release(): Promise<void>;
}

/** One stored pin ref's value. */
interface PinRecord {
  expiresAt: string;
  digests: string[];
}

/** A pin's state in this process; its refs are rewritten as digests are added. */
export class StorePin implements Pin {
  private readonly pinned = new Set<Digest>();
  private readonly id = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
  /** Serialises ref writes, so concurrent puts with one pin never drop each other's digest. */
  private queue: Promise<void> = Promise.resolve();
  private released = false;

  constructor(
    /** @internal The backend of the store that created it. */
    readonly backend: StoreBackend,
    private readonly ttlMs: number,
  ) {}

  get digests(): ReadonlySet<Digest> {
    return this.pinned;
  }

  /**
   * Records `digests` in the pin's refs before their blobs are committed, without touching them
   * (the commit refreshes their write time itself).
   */
  record(digests: readonly Digest[]): Promise<void> {
    if (this.released) {
      return Promise.reject(
        new ValidationError('This pin was released; create a new one with store.pin()'),
      );
    }
    const run = this.queue.then(() => this.write(digests));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async add(digests: Iterable<string>): Promise<void> {
    const checked = [...digests].map((digest) => assertDigest(digest));
    await this.record(checked);
    // Touching after pinning closes the race with a gc that listed pins before this one existed:
    // that gc removes only blobs written before it started.
    for (const digest of checked) {
      if (!(await this.backend.touch(keyOf(digest)))) {
        throw new NotFoundError(
          `Blob ${digest} is not in the store at ${this.backend.location} (it was never put or was removed by gc); put the data again`,
        );
      }
    }
  }

  release(): Promise<void> {
    if (this.released) return this.queue;
    this.released = true;
    const count = Math.ceil(this.pinned.size / DIGESTS_PER_REF);
    const run = this.queue.then(async () => {
      for (let index = 0; index < count; index++) {
        await this.backend.compareAndSetRef(this.refName(index), undefined, undefined);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  private refName(index: number): string {
    return `${PIN_REF_PREFIX}${this.id}-${index}`;
  }

  private async write(digests: readonly Digest[]): Promise<void> {
    const fresh = digests.filter((digest) => !this.pinned.has(digest));
    if (fresh.length === 0) return;
    const firstChanged = Math.floor(this.pinned.size / DIGESTS_PER_REF);
    for (const digest of fresh) this.pinned.add(digest);
    const all = [...this.pinned];
    const expiresAt = new Date(Date.now() + this.ttlMs).toISOString();
    try {
      for (let index = firstChanged; index * DIGESTS_PER_REF < all.length; index++) {
        const record: PinRecord = {
          expiresAt,
          digests: all.slice(index * DIGESTS_PER_REF, (index + 1) * DIGESTS_PER_REF),
        };
        await this.backend.compareAndSetRef(this.refName(index), JSON.stringify(record), undefined);
      }
    } catch (error) {
      for (const digest of fresh) this.pinned.delete(digest);
      throw error;
    }
  }
}

/** Creates a pin, after validating its options. */
export function createPin(backend: StoreBackend, options: PinOptions = {}): StorePin {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new ValidationError(
      `pin ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`,
    );
  }
  return new StorePin(backend, ttlMs);
}

/**
 * When a stored pin ref stops protecting its blobs: its `expiresAt`, or undefined when the value
 * is not a pin record (then gc treats it as live and keeps what it names).
 */
export function pinExpiry(value: string): Date | undefined {
  try {
    const record = JSON.parse(value) as Partial<PinRecord>;
    const time = typeof record.expiresAt === 'string' ? Date.parse(record.expiresAt) : Number.NaN;
    return Number.isFinite(time) ? new Date(time) : undefined;
  } catch {
    return undefined;
  }
}
