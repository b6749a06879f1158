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

/** Writes checkpoints of one run: blob first, then refs (compare-and-set on `latest`), then pruning. */
export class CheckpointWriter {
  private latest: string | undefined;
  private readonly prefix: string;

  constructor(
    private readonly store: Store,
    run: string,
    private readonly keepLast: number,
    latest: string | undefined,
  ) {
    this.prefix = prefixOf(assertRunName(run));
    this.latest = latest;
  }

  /**
   * Stores a checkpoint and points `latest` at it. Returns its digest.
   * @throws ConflictError when another process moved `latest` meanwhile.
   */
  async write(step: number, state: unknown, arrays: readonly CheckpointArray[]): Promise<Digest> {
    const { digest } = await this.store.put(encodeCheckpoint(state, arrays));
    const recent = `${this.prefix}/recent/${String(step).padStart(STEP_DIGITS, '0')}`;
    // A step checkpoint and the epoch-end checkpoint can fall on the same step: the newer replaces the older.
    const replaced = await this.store.refs.get(recent);
    await this.store.refs.set(recent, digest);
    try {
      await this.store.refs.set(`${this.prefix}/latest`, digest, { expected: this.latest ?? null });
    } catch (error) {
      if (ConflictError.isInstance(error)) {
        throw new ConflictError(
          `Another process wrote checkpoints for run "${this.prefix.slice(8)}" while this one trained; give each concurrent run its own checkpoint.name`,
          { cause: error },
        );
      }
      throw error;
    }
    this.latest = digest;
    if (replaced !== undefined && replaced !== digest) await this.deleteIfUnused(replaced);
    await this.prune('recent', (entries) =>
      entries.slice(0, Math.max(0, entries.length - this.keepLast)),
    );
    return digest;
  }

  /** Marks `step`'s checkpoint as one of the best and drops best refs whose steps are not in `keep`. */
  async setBest(step: number, digest: Digest, keep: ReadonlySet<number>): Promise<void> {
    await this.store.refs.set(
      `${this.prefix}/best/${String(step).padStart(STEP_DIGITS, '0')}`,
      digest,
    );
    await this.prune('best', (entries) => entries.filter((entry) => !keep.has(entry.step)));
  }

  private async prune(
    kind: 'recent' | 'best',
    pick: (entries: Array<{ name: string; step: number }>) => Array<{ name: string; step: number }>,
  ): Promise<void> {
    const names = await this.store.refs.list(`${this.prefix}/${kind}/`);
    const entries = names
      .map((name) => ({ name, step: stepOf(name) }))
      .sort((a, b) => a.step - b.step);
    const doomed = pick(entries);
    if (doomed.length === 0) return;
    for (const entry of doomed) {
      const digest = await this.store.refs.get(entry.name);
      await this.store.refs.delete(entry.name);
      if (digest !== undefined) await this.deleteIfUnused(digest);
    }
  }

  /** Deletes a checkpoint blob unless a ref of the run still names it (a recent and a best ref may share one). */
  private async deleteIfUnused(digest: string): Promise<void> {
    for (const other of await this.store.refs.list(`${this.prefix}/`)) {
      if ((await this.store.refs.get(other)) === digest) return;
    }
    await this.store.delete(digest);
  }
}
