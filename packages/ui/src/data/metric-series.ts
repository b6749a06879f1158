import type { Registry } from '@mlinfra/registry';

/** One metric's points, in step order, in growable typed arrays. */
export interface SeriesArrays {
  steps: Float64Array;
  values: Float64Array;
  count: number;
}

interface Entry extends SeriesArrays {
  /** Points at the highest step already read (a later read at that step skips them). */
  atLastStep: number;
  /** Whether the run had ended when this was read (then it never changes). */
  complete: boolean;
}

const READ_CHUNK = 100_000;

function grow(entry: Entry, needed: number): void {
  if (needed <= entry.steps.length) return;
  const capacity = Math.max(needed, entry.steps.length * 2, 1024);
  const steps = new Float64Array(capacity);
  steps.set(entry.steps.subarray(0, entry.count));
  const values = new Float64Array(capacity);
  values.set(entry.values.subarray(0, entry.count));
  entry.steps = steps;
  entry.values = values;
}

/**
 * Metric histories read through the registry's public `metricHistory`, kept in typed arrays so a
 * chart can be downsampled again for every zoom without reading the database again. A running
 * run's series is topped up with the points after the last step read; a finished run's series is
 * read once. Least recently used series are dropped beyond `maxPoints` in total.
 */
export class MetricSeriesCache {
  private readonly entries = new Map<string, Entry>();
  private points = 0;
  private readonly pending = new Map<string, Promise<SeriesArrays>>();

  constructor(
    private readonly registry: Registry,
    // 4,000,000 points: about 64 MiB of typed arrays (128 MiB while arrays grow).
    private readonly maxPoints = 4_000_000,
  ) {}

  /**
   * The whole series of `key` of run `runId` (`ended`: whether the run has ended). Calls for one
   * series take turns, so concurrent requests (two tabs polling a live run) never append the same
   * points twice, and a second request for a series being read waits for that read.
   */
  get(runId: string, key: string, ended: boolean): Promise<SeriesArrays> {
    const id = `${runId}\u0000${key}`;
    const previous = this.pending.get(id) ?? Promise.resolve();
    const next = previous.then(
      () => this.load(id, runId, key, ended),
      () => this.load(id, runId, key, ended),
    );
    this.pending.set(id, next);
    const forget = () => {
      if (this.pending.get(id) === next) this.pending.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  private async load(
    id: string,
    runId: string,
    key: string,
    ended: boolean,
  ): Promise<SeriesArrays> {
    let entry = this.entries.get(id);
    if (entry !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, entry);
      if (entry.complete) return entry;
    } else {
      entry = {
        steps: new Float64Array(0),
        values: new Float64Array(0),
        count: 0,
        atLastStep: 0,
        complete: false,
      };
    }
    const before = entry.count;
    await this.readAfter(runId, key, entry);
    entry.complete = ended;
    this.points += entry.count - before;
    this.entries.set(id, entry);
    this.evict(id);
    return entry;
  }

  private async readAfter(runId: string, key: string, entry: Entry): Promise<void> {
    for (;;) {
      const fromStep = entry.count === 0 ? 0 : (entry.steps[entry.count - 1] as number);
      const skip = entry.count === 0 ? 0 : entry.atLastStep;
      const points = await this.registry.metricHistory(runId, key, {
        fromStep,
        limit: READ_CHUNK + skip,
      });
      const fresh = points.length - skip;
      if (fresh <= 0) return;
      grow(entry, entry.count + fresh);
      for (let index = skip; index < points.length; index++) {
        const point = points[index]!;
        const last = entry.count === 0 ? Number.NaN : (entry.steps[entry.count - 1] as number);
        entry.atLastStep = point.step === last ? entry.atLastStep + 1 : 1;
        entry.steps[entry.count] = point.step;
        entry.values[entry.count] = point.value;
        entry.count++;
      }
      if (points.length < READ_CHUNK + skip) return;
    }
  }

  private evict(keep: string): void {
    for (const [id, entry] of this.entries) {
      if (this.points <= this.maxPoints) return;
      if (id === keep) continue;
      this.entries.delete(id);
      this.points -= entry.count;
    }
  }
}
