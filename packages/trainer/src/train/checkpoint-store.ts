import { assertRefName, ConflictError, type Digest, type Store } from '@mlinfra/core';
import { type CheckpointArray, decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';

/** The checkpoints of one run, as stored under refs `trainer/<run>/...`. */
export interface CheckpointListing {
  /** The newest checkpoint (what `resume: 'latest'` loads), if any. */
  latest: Digest | undefined;
  /** The last `keepLast` checkpoints, oldest first. */
  recent: Array<{ step: number; digest: Digest }>;
  /** The best-k checkpoints by the `keepBest` monitor, in step order. */
  best: Array<{ step: number; digest: Digest }>;
}

const STEP_DIGITS = 12;

function prefixOf(run: string): string {
  return `trainer/${run}`;
}

/** Checks a run name (it becomes part of ref names). */
export function assertRunName(run: string): string {
  assertRefName(`trainer/${run}/latest`);
  return run;
}

function stepOf(ref: string): number {
  return Number(ref.slice(ref.lastIndexOf('/') + 1));
}

/** Lists a run's checkpoints. */
export async function listCheckpoints(store: Store, run: string): Promise<CheckpointListing> {
  const prefix = prefixOf(assertRunName(run));
  const read = async (kind: string) => {
    const names = await store.refs.list(`${prefix}/${kind}/`);
    const out: Array<{ step: number; digest: Digest }> = [];
    for (const name of names) {
      const digest = await store.refs.get(name);
      if (digest !== undefined) out.push({ step: stepOf(name), digest: digest as Digest });
    }
    return out.sort((a, b) => a.step - b.step);
  };
  return {
    latest: (await store.refs.get(`${prefix}/latest`)) as Digest | undefined,
    recent: await read('recent'),
    best: await read('best'),
  };
}

/** Reads and decodes one checkpoint blob. @throws NotFoundError, IntegrityError, ValidationError. */
export async function readCheckpointBlob(store: Store, digest: string) {
  return decodeCheckpoint(await store.read(digest), digest);
}

/**
 * Writes checkpoints of one run: blob first, then refs (compare-and-set on `latest`), then pruning.
 * It keeps the run's refs in memory (read once from the listing) so a checkpoint costs one blob write
 * and two ref writes, plus deletions only when something falls out of `keepLast` / `keepBest`.
 */
export class CheckpointWriter {
  private latest: string | undefined;
  private readonly prefix: string;
  private readonly recent: Map<number, string>;
  private readonly best: Map<number, string>;

  constructor(
    private readonly store: Store,
    run: string,
    private readonly keepLast: number,
    listing: CheckpointListing,
  ) {
    this.prefix = prefixOf(assertRunName(run));
    this.latest = listing.latest;
    this.recent = new Map(listing.recent.map((entry) => [entry.step, entry.digest]));
    this.best = new Map(listing.best.map((entry) => [entry.step, entry.digest]));
  }

  private refName(kind: 'recent' | 'best', step: number): string {
    return `${this.prefix}/${kind}/${String(step).padStart(STEP_DIGITS, '0')}`;
  }

  /**
   * Stores a checkpoint and points `latest` at it. Returns its digest.
   * @throws ConflictError when another process moved `latest` meanwhile.
   */
  async write(step: number, state: unknown, arrays: readonly CheckpointArray[]): Promise<Digest> {
    const { digest } = await this.store.put(encodeCheckpoint(state, arrays));
    // A step checkpoint and the epoch-end checkpoint can fall on the same step: the newer replaces the older.
    const replaced = this.recent.get(step);
    // Both refs name a complete blob, so their order does not matter for crash safety: write them together.
    const [recentResult, latestResult] = await Promise.allSettled([
      this.store.refs.set(this.refName('recent', step), digest),
      this.store.refs.set(`${this.prefix}/latest`, digest, { expected: this.latest ?? null }),
    ]);
    this.recent.set(step, digest);
    if (latestResult.status === 'rejected') {
      const error = latestResult.reason;
      if (ConflictError.isInstance(error)) {
        throw new ConflictError(
          `Another process wrote checkpoints for run "${this.prefix.slice(8)}" while this one trained; give each concurrent run its own checkpoint.name`,
          { cause: error },
        );
      }
      throw error;
    }
    if (recentResult.status === 'rejected') throw recentResult.reason;
    this.latest = digest;
    const doomed: string[] = replaced !== undefined && replaced !== digest ? [replaced] : [];
    const steps = [...this.recent.keys()].sort((a, b) => a - b);
    for (const old of steps.slice(0, Math.max(0, steps.length - this.keepLast))) {
      doomed.push(this.recent.get(old) as string);
      this.recent.delete(old);
      await this.store.refs.delete(this.refName('recent', old));
    }
    await this.deleteUnused(doomed);
    return digest;
  }

  /** Marks `step`'s checkpoint as one of the best and drops best refs whose steps are not in `keep`. */
  async setBest(step: number, digest: Digest, keep: ReadonlySet<number>): Promise<void> {
    await this.store.refs.set(this.refName('best', step), digest);
    this.best.set(step, digest);
    const doomed: string[] = [];
    for (const [old, oldDigest] of [...this.best]) {
      if (keep.has(old)) continue;
      doomed.push(oldDigest);
      this.best.delete(old);
      await this.store.refs.delete(this.refName('best', old));
    }
    await this.deleteUnused(doomed);
  }

  /** Deletes checkpoint blobs no ref of the run names any more (a recent and a best ref may share one). */
  private async deleteUnused(digests: readonly string[]): Promise<void> {
    const named = new Set<string>([...this.recent.values(), ...this.best.values()]);
    if (this.latest !== undefined) named.add(this.latest);
    await Promise.all(
      [...new Set(digests)]
        .filter((digest) => !named.has(digest))
        .map((digest) => this.store.delete(digest)),
    );
  }
}
