import { IntegrityError, ValidationError } from '../errors/index.js';
import type { RefProblem, StoreBackend } from './backend.js';
import { digestOf, keyOf } from './internal/keys.js';
import { assertDigest, type Digest } from './names.js';
import { PIN_REF_PREFIX, pinExpiry } from './pins.js';

/** Options of {@link Store.gc}. */
export interface GcOptions {
  /**
   * More digests to keep, besides everything reachable from refs. Optional: every package keeps
   * what it stores reachable from a ref, so gc needs no list from anyone.
   */
  keep?: Iterable<string>;
  /**
   * Blobs and temporary files written less than this long before gc started are never removed.
   * Milliseconds, default 900000 (15 minutes). Whatever the grace, a blob written after gc started
   * is never removed, and pinned blobs are kept (see {@link Store.pin}).
   */
  graceMs?: number;
}

/** What {@link Store.gc} did. */
export interface GcReport {
  /** Digests removed. */
  removed: Digest[];
  /** Bytes freed by removing blobs. */
  freedBytes: number;
  /** Abandoned temporary files removed. */
  temporaryFilesRemoved: number;
  /** Blobs kept because they are reachable from refs, pins or `keep`. */
  kept: number;
  /** Expired pins removed (their process never released them). */
  expiredPinsRemoved: number;
}

/** Reads a blob's bytes verified against its digest, or undefined when it does not exist. */
export type VerifiedReader = (digest: Digest) => Promise<AsyncIterable<Uint8Array> | undefined>;

const DIGEST_IN_TEXT = /sha256:[0-9a-f]{64}/g;
/** Length of a digest in text; chunks overlap by this much so none is cut in two. */
const DIGEST_LENGTH = 'sha256:'.length + 64;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Bytes gc peeks at to tell JSON from binary data. */
const PEEK_BYTES = 64;

/**
 * Whether bytes may start a JSON blob: the first non-blank byte is `{` or `[`, or all are blank
 * (a blob starting with more than {@link PEEK_BYTES} blanks is read to find out).
 */
function mayBeJson(prefix: Uint8Array): boolean {
  for (const byte of prefix) {
    if (WHITESPACE.has(byte)) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return true;
}

/** Every digest written anywhere in `text`. */
export function digestsIn(text: string): Digest[] {
  return (text.match(DIGEST_IN_TEXT) ?? []) as Digest[];
}

/**
 * The digests named inside a blob, when it is JSON (its first non-blank byte is `{` or `[`);
 * streamed, so a blob of any size is scanned in bounded memory. Verified as read: a corrupt blob
 * throws IntegrityError before gc removes anything.
 */
async function digestsInBlob(chunks: AsyncIterable<Uint8Array>): Promise<Digest[]> {
  const found: Digest[] = [];
  let started = false;
  let tail = '';
  for await (const chunk of chunks) {
    let offset = 0;
    if (!started) {
      while (offset < chunk.byteLength && WHITESPACE.has(chunk[offset]!)) offset++;
      if (offset === chunk.byteLength) continue;
      const first = chunk[offset];
      // Not JSON: stop reading (Parquet files, weights and other binary data).
      if (first !== 0x7b && first !== 0x5b) return [];
      started = true;
    }
    // Digests are ASCII, so latin1 decoding cannot merge or split them.
    const text =
      tail +
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1', offset);
    // A digest inside the carried tail is found twice; the caller's set absorbs that.
    found.push(...digestsIn(text));
    tail = text.slice(-(DIGEST_LENGTH - 1));
  }
  return found;
}

/**
 * Removes blobs that nothing reaches. Roots are refs only: every digest written anywhere in a
 * ref's value is live, and so, transitively, is every digest written inside a live blob that is
 * JSON. Pins (refs under `_mlinfra/pins/`) count as refs until they expire. Blobs written after
 * gc started are never removed, nor are blobs within `graceMs` before that.
 *
 * Pins are read before the other refs: a writer pins, commits its blobs, sets the ref naming them
 * and only then releases the pin, so gc sees either the pin or the ref, or the blob's write time
 * is after gc started.
 *
 * @throws IntegrityError, before removing anything, when a ref or a live JSON blob is corrupt (its
 * digests cannot be known, so removing anything could lose data).
 */
export async function collectGarbage(
  backend: StoreBackend,
  readVerified: VerifiedReader,
  options: GcOptions,
): Promise<GcReport> {
  const graceMs = options.graceMs ?? 15 * 60_000;
  if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0) {
    throw new ValidationError(
      `gc graceMs must be a non-negative number of milliseconds, got ${String(graceMs)}`,
    );
  }
  const startedAt = Date.now();
  const cutoff = new Date(startedAt - graceMs);
  const live = new Set<Digest>();
  for (const digest of options.keep ?? []) live.add(assertDigest(digest));

  const problems: RefProblem[] = [];
  const onProblem = (problem: RefProblem) => problems.push(problem);
  const report: GcReport = {
    removed: [],
    freedBytes: 0,
    temporaryFilesRemoved: 0,
    kept: 0,
    expiredPinsRemoved: 0,
  };
  for (const name of await backend.listRefs(PIN_REF_PREFIX, onProblem)) {
    const value = await backend.getRef(name);
    if (value === undefined) continue;
    const expiry = pinExpiry(value);
    if (expiry !== undefined && expiry.getTime() < startedAt) {
      if (await backend.compareAndSetRef(name, undefined, value)) report.expiredPinsRemoved++;
      continue;
    }
    for (const digest of digestsIn(value)) live.add(digest);
  }
  for (const name of await backend.listRefs('', onProblem)) {
    if (name.startsWith(PIN_REF_PREFIX)) continue;
    const value = await backend.getRef(name);
    if (value !== undefined) for (const digest of digestsIn(value)) live.add(digest);
  }
  if (problems.length > 0) {
    throw new IntegrityError(
      `gc removed nothing: ${problems.length} ref(s) cannot be read, so what they keep is unknown; repair them first:\n${problems
        .slice(0, 10)
        .map((problem) => `  - ${problem.error.message}`)
        .join('\n')}`,
      { cause: problems[0]?.error },
    );
  }

  // Mark: follow digests inside live JSON blobs.
  const pending = [...live];
  while (pending.length > 0) {
    const digest = pending.pop()!;
    // A peek at the first bytes skips binary blobs (Parquet, weights) without reading them.
    const prefix = await backend.readPrefix?.(keyOf(digest), PEEK_BYTES);
    if (prefix !== undefined && !mayBeJson(prefix)) continue;
    const chunks = await readVerified(digest);
    if (chunks === undefined) continue;
    for (const inner of await digestsInBlob(chunks)) {
      if (!live.has(inner)) {
        live.add(inner);
        pending.push(inner);
      }
    }
  }
  report.kept = live.size;

  // Sweep.
  for await (const key of backend.list()) {
    const digest = digestOf(key);
    if (digest === undefined || live.has(digest)) continue;
    const info = await backend.stat(key);
    if (info === undefined || info.modifiedAt >= cutoff) continue;
    if (await backend.delete(key, { olderThan: cutoff })) {
      report.removed.push(digest);
      report.freedBytes += info.size;
    }
  }
  report.temporaryFilesRemoved = await backend.removeTemporary(cutoff);
  return report;
}
