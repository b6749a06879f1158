import { sortFloat64 } from '../internal/sort.js';

/**
 * KLL quantile sketch (Karnin, Lang & Liberty 2016) with a seeded, serializable random source so
 * that building and merging are deterministic. With `k = 200` the rank error of a quantile or
 * CDF query is at most about 1.7% of n with 99% confidence (the bound Apache DataSketches
 * publishes for KLL at k = 200); while fewer than k values have been added it is exact.
 */

/** JSON form of a {@link KllSketch}. */
export interface KllSketchJson {
  k: number;
  n: number;
  /** Items per level; an item at level h stands for 2^h values. Each level is sorted except level 0. */
  levels: number[][];
  /** State of the xorshift random source used to pick the odd or even items when compacting. */
  seed: number;
}

const DECAY = 2 / 3;

/**
 * {@link KllSketch.updateMany} samples a batch only down to `128 · k` samples (25,600 at k = 200),
 * each standing for 2^h values. With `64 · k` the largest rank error over the percentiles reached
 * 1.5% of n in 40 trials of a million values; with `128 · k` it stayed under 1%, as accurate as
 * adding the values one by one.
 */
export const SAMPLES_PER_K = 128;

/** Batches smaller than this go through {@link KllSketch.update} value by value. */
export const SORTED_BATCH_MIN = 1024;

/**
 * The level h at which {@link KllSketch.updateMany} samples a batch of `count` values (one value
 * out of each run of 2^h): the largest h that still leaves at least `128 · k` samples; 0 (no
 * sampling) below `256 · k` values (51,200 at k = 200). For k = 200 and 1,000,000 values, h = 5
 * (31,250 samples).
 */
export function samplingLevel(count: number, k: number): number {
  let h = 0;
  while (count / 2 ** (h + 1) >= SAMPLES_PER_K * k && h < 30) h++;
  return h;
}

export class KllSketch {
  readonly k: number;
  n = 0;
  private level0: Float64Array;
  private level0Size = 0;
  private levels: number[][] = [[]];
  private seed: number;
  private maxSize = 0;
  private capacities: number[] = [];
  private total = 0;

  constructor(k = 200, seed = 0x9e3779b9) {
    this.k = k;
    this.seed = seed >>> 0 || 1;
    this.level0 = new Float64Array(this.capacity(0));
    this.updateMaxSize();
  }

  private capacity(h: number): number {
    return this.capacities[h] as number;
  }

  private updateMaxSize(): void {
    const height = this.levels.length;
    this.capacities = [];
    let total = 0;
    for (let h = 0; h < height; h++) {
      // Every level keeps at least 8 slots (DataSketches' minimum width) and level 0 at least 64,
      // so compactions stay infrequent; extra capacity only lowers the error.
      const c = Math.max(h === 0 ? 64 : 8, Math.ceil(this.k * DECAY ** (height - 1 - h)));
      this.capacities.push(c);
      total += c;
    }
    this.maxSize = total;
    if (this.level0.length < this.capacity(0)) {
      const grown = new Float64Array(this.capacity(0));
      grown.set(this.level0.subarray(0, this.level0Size));
      this.level0 = grown;
    }
  }

  /** Steps the random source (xorshift32) and returns the new state before the zero guard. */
  private nextState(): number {
    let x = this.seed;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.seed = x || 1;
    return x;
  }

  private randomBit(): number {
    return this.nextState() & 1;
  }

  /** State of the sketch's random source (xorshift32, never 0), for loops that step it inline. */
  get randomState(): number {
    return this.seed;
  }

  set randomState(state: number) {
    this.seed = state >>> 0 || 1;
  }

  /** The top `bits` (1..32) bits of the next state of the sketch's random source. */
  randomBits(bits: number): number {
    return this.nextState() >>> (32 - bits);
  }

  private size(): number {
    let total = this.level0Size;
    for (let h = 1; h < this.levels.length; h++) total += (this.levels[h] as number[]).length;
    return total;
  }

  /** Adds one finite value. */
  update(value: number): void {
    if (this.level0Size >= this.level0.length) this.flushLevel0();
    this.level0[this.level0Size++] = value;
    this.n++;
    if (++this.total >= this.maxSize) this.compress();
  }

  /**
   * Adds every non-NaN value of `values` (NaN entries are skipped; `count`, their number, is
   * counted when not given). Below 1024 values this is the same as calling {@link update} for
   * each. A larger batch goes through the sampler of Karnin, Lang & Liberty (2016, section 3):
   * the batch is cut into runs of 2^h consecutive non-NaN values ({@link samplingLevel}: h = 5
   * for a million values at k = 200, h = 0 below 51,200 values), one value of each run, chosen
   * uniformly at random by this sketch's seeded random source, stands for the run with weight
   * 2^h; the `count / 2^h ≥ 128 · k` samples
   * are sorted and compacted as a sorted stream (the cheapest order for the compactors, each
   * level just appends) from level h upwards, then merged in; the values of the last, partial run
   * are added one by one. The same input and seed give the same sketch.
   *
   * Accuracy: a run adds rank error only to queries that fall inside its range of values, at most
   * 2^h, independently of the other runs, so sampling adds at most `1 / (2√(128 · k))` ≈ 0.31% of n
   * standard deviation at k = 200 (much less for sorted or clustered data, where few runs straddle
   * a query). Together with the compactors the rank error stays within the sketch's bound (about
   * 1.7% of n at 99% confidence for k = 200): in 40 trials of a million uniform and lognormal
   * values the largest error over the percentiles was 0.96% of n, and the tests check uniform,
   * sorted, heavy-tailed and tied data. The result is an ordinary sketch: it serializes, merges
   * and answers queries like one built value by value.
   */
  updateMany(values: ArrayLike<number>, count: number = countNonNaN(values)): void {
    if (count < SORTED_BATCH_MIN) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (!Number.isNaN(v)) this.update(v);
      }
      return;
    }
    const sampler = new KllSampler(this, samplingLevel(count, this.k), count);
    sampler.scan(values, 0, values.length, count === values.length);
    sampler.finish(values);
  }

  /**
   * Adds `samples` (any order, no NaN) that each stand for 2^h values, as {@link KllSampler}
   * produces them: they are sorted, compacted as a sorted stream from level 0 and raised to
   * level h, then merged into this sketch.
   */
  addSamples(samples: Float64Array, h: number): void {
    if (samples.length === 0) return;
    const sampled = new KllSketch(this.k, this.randomBits(32));
    // Sorted columns (ids, timestamps) give sorted samples: skip the sort.
    sampled.loadSorted(isSortedAscending(samples) ? samples : sortFloat64(samples));
    sampled.raise(h);
    this.merge(sampled);
  }

  /**
   * Fills an empty sketch with `sorted` (ascending, no NaN) exactly as {@link update} would in that
   * order, but without sorting or copying level 0: in a sorted stream level 0 always holds a
   * contiguous window of the input, and every level receives its items in order, so a compaction
   * takes every other item of a level (random offset) and appends them to the next.
   */
  private loadSorted(sorted: Float64Array): void {
    const levels = this.levels;
    let start = 0; // level 0 is sorted[start, end)
    let end = 0;
    let above = 0; // items in levels 1 and up
    while (end < sorted.length) {
      // Add values until the sketch is full (update() compresses at that point).
      end = Math.min(sorted.length, end + Math.max(1, this.maxSize - above - (end - start)));
      while (end - start + above >= this.maxSize) {
        let h = 0;
        while (h < levels.length && this.levelLength(h, end - start) < this.capacity(h)) h++;
        if (h === levels.length) break;
        if (h + 1 === levels.length) {
          levels.push([]);
          this.updateMaxSize();
        }
        const next = levels[h + 1] as number[];
        if (h === 0) {
          const last = (end - start) % 2 === 1 ? end - 1 : end;
          for (let j = start + this.randomBit(); j < last; j += 2) next.push(sorted[j] as number);
          above += (last - start) / 2;
          start = last;
        } else {
          const items = levels[h] as number[];
          const keepLast = items.length % 2 === 1;
          const last = keepLast ? items.length - 1 : items.length;
          for (let j = this.randomBit(); j < last; j += 2) next.push(items[j] as number);
          above -= last / 2;
          levels[h] = keepLast ? [items[items.length - 1] as number] : [];
        }
      }
    }
    this.setLevel(0, Array.from(sorted.subarray(start, end)));
    this.n = sorted.length;
    this.total = this.size();
  }

  private levelLength(h: number, level0: number): number {
    return h === 0 ? level0 : (this.levels[h] as number[]).length;
  }

  /** Moves every item up by `h` levels (each now stands for 2^h times as many values). */
  private raise(h: number): void {
    // Level 0 lives in its own buffer: at h = 0 nothing moves (moving it would drop it).
    if (h === 0) return;
    const level0 = Array.from(sortFloat64(this.level0.subarray(0, this.level0Size)));
    const empty = Array.from({ length: h }, (): number[] => []);
    this.levels = [...empty, level0, ...this.levels.slice(1)];
    this.level0Size = 0;
    this.n *= 2 ** h;
    this.updateMaxSize();
    this.total = this.size();
  }

  private flushLevel0(): void {
    const grown = new Float64Array(this.level0.length * 2);
    grown.set(this.level0.subarray(0, this.level0Size));
    this.level0 = grown;
  }

  private levelItems(h: number): number[] {
    if (h === 0) return Array.from(this.level0.subarray(0, this.level0Size));
    return this.levels[h] as number[];
  }

  private setLevel(h: number, items: number[]): void {
    if (h === 0) {
      if (this.level0.length < items.length)
        this.level0 = new Float64Array(Math.max(items.length, this.capacity(0)));
      this.level0.set(items);
      this.level0Size = items.length;
    } else {
      this.levels[h] = items;
    }
  }

  private compress(): void {
    this.total = this.size();
    while (this.total >= this.maxSize) {
      let compacted = false;
      for (let h = 0; h < this.levels.length; h++) {
        const length = h === 0 ? this.level0Size : (this.levels[h] as number[]).length;
        if (length < this.capacity(h)) continue;
        if (h + 1 >= this.levels.length) {
          this.levels.push([]);
          this.updateMaxSize();
        }
        let sorted: ArrayLike<number>;
        if (h === 0) sorted = sortFloat64(this.level0.subarray(0, this.level0Size));
        else sorted = (this.levels[h] as number[]).sort((a, b) => a - b);
        const keepLast = sorted.length % 2 === 1;
        const end = keepLast ? sorted.length - 1 : sorted.length;
        const offset = this.randomBit();
        const promoted: number[] = [];
        for (let i = offset; i < end; i += 2) promoted.push(sorted[i] as number);
        const rest = keepLast ? [sorted[sorted.length - 1] as number] : [];
        const above = this.levels[h + 1] as number[];
        this.levels[h + 1] = mergeSorted(above, promoted);
        this.setLevel(h, rest);
        this.total -= promoted.length;
        compacted = true;
        break;
      }
      if (!compacted) break;
    }
  }

  /** Merges `other` into this sketch (both must have the same k). */
  merge(other: KllSketch): void {
    for (let h = 0; h < other.levels.length; h++) {
      const items = other.levelItems(h);
      if (h >= this.levels.length) {
        this.levels.push([]);
        this.updateMaxSize();
      }
      if (h === 0) {
        for (const v of items) {
          if (this.level0Size >= this.level0.length) this.flushLevel0();
          this.level0[this.level0Size++] = v;
        }
      } else {
        this.levels[h] = mergeSorted(
          this.levels[h] as number[],
          [...items].sort((a, b) => a - b),
        );
      }
    }
    this.n += other.n;
    this.seed = (this.seed ^ other.seed) >>> 0 || 1;
    this.compress();
  }

  /** Sorted items with their weights (the sketch's approximation of the data). */
  weightedItems(): { values: Float64Array; weights: Float64Array } {
    // Level by level, merged into the running result (ties keep lower levels first, as the
    // stable sort of all items did): no per-item tuples, which were most of the cost.
    let values: Float64Array = sortFloat64(
      Float64Array.from(this.level0.subarray(0, this.level0Size)),
    );
    let weights: Float64Array = new Float64Array(values.length).fill(1);
    for (let h = 1; h < this.levels.length; h++) {
      const items = this.levels[h] as number[];
      if (items.length === 0) continue;
      let level: Float64Array = Float64Array.from(items);
      if (!isSortedAscending(level)) level = sortFloat64(level);
      const w = 2 ** h;
      const mergedValues = new Float64Array(values.length + level.length);
      const mergedWeights = new Float64Array(mergedValues.length);
      let i = 0;
      let j = 0;
      let o = 0;
      while (i < values.length && j < level.length) {
        if ((values[i] as number) <= (level[j] as number)) {
          mergedValues[o] = values[i] as number;
          mergedWeights[o++] = weights[i++] as number;
        } else {
          mergedValues[o] = level[j++] as number;
          mergedWeights[o++] = w;
        }
      }
      for (; i < values.length; i++, o++) {
        mergedValues[o] = values[i] as number;
        mergedWeights[o] = weights[i] as number;
      }
      for (; j < level.length; j++, o++) {
        mergedValues[o] = level[j] as number;
        mergedWeights[o] = w;
      }
      values = mergedValues;
      weights = mergedWeights;
    }
    return { values, weights };
  }

  /** True when no value has been discarded, so every query is exact. */
  get exact(): boolean {
    return this.levels.length === 1;
  }

  toJSON(): KllSketchJson {
    return {
      k: this.k,
      n: this.n,
      levels: this.levels.map((_, h) =>
        h === 0 ? this.levelItems(0).sort((a, b) => a - b) : [...(this.levels[h] as number[])],
      ),
      seed: this.seed,
    };
  }

  static fromJSON(json: KllSketchJson): KllSketch {
    const sketch = new KllSketch(json.k, json.seed);
    sketch.levels = json.levels.map((l, h) => (h === 0 ? [] : [...l]));
    sketch.updateMaxSize();
    sketch.setLevel(0, json.levels[0] ?? []);
    sketch.n = json.n;
    sketch.total = sketch.size();
    return sketch;
  }
}

/**
 * The sampler of {@link KllSketch.updateMany}, fed range by range (so a caller can sample each
 * block of a column while it is in cache): of each run of 2^h consecutive non-NaN values it keeps
 * one, chosen by the sketch's random source. {@link finish} adds the samples and the values of
 * the last, partial run to the sketch.
 */
export class KllSampler {
  readonly samples: Float64Array;
  private size = 0;
  private position = 0;
  private target: number;
  private pending = 0;
  private readonly block: number;

  /** `maxValues`: an upper bound on the non-NaN values that will be scanned. */
  constructor(
    readonly sketch: KllSketch,
    readonly h: number,
    maxValues: number,
  ) {
    this.block = 2 ** h;
    this.samples = new Float64Array(Math.floor(maxValues / this.block));
    this.target = this.draw();
  }

  private draw(): number {
    return this.h === 0 ? 0 : this.sketch.randomBits(this.h);
  }

  /** Scans data[start, end); `dense` promises that the range holds no NaN. */
  scan(data: ArrayLike<number>, start: number, end: number, dense: boolean): void {
    // Touch the fields written after the loops first (see scanBlock in numeric-batch.ts).
    this.size = this.size + 0;
    this.target = this.target + 0;
    const block = this.block;
    const samples = this.samples;
    let i = start;
    if (dense && this.position === 0) {
      let size = this.size;
      if (this.h === 0 && data instanceof Float64Array) {
        samples.set(data.subarray(i, end), size);
        size += end - i;
        i = end;
      } else if (this.h > 0) {
        // sketch.randomBits(h) per run, with the state in a local.
        const shift = 32 - this.h;
        let state = this.sketch.randomState;
        let target = this.target;
        for (; i + block <= end; i += block) {
          samples[size++] = data[i + target] as number;
          state ^= state << 13;
          state >>>= 0;
          state ^= state >>> 17;
          state ^= state << 5;
          state >>>= 0;
          target = state >>> shift;
        }
        this.sketch.randomState = state;
        this.target = target;
      }
      this.size = size;
    }
    for (; i < end; i++) {
      const v = data[i] as number;
      if (Number.isNaN(v)) continue;
      if (this.position === this.target) this.pending = v;
      if (++this.position === block) {
        samples[this.size++] = this.pending;
        this.position = 0;
        this.target = this.draw();
      }
    }
  }

  /**
   * Adds the values of the unfinished run (the last ones of `values`, the whole scanned array)
   * one by one, then the samples.
   */
  finish(values: ArrayLike<number>): void {
    let remaining = this.position;
    let i = values.length;
    while (remaining > 0 && i > 0) {
      i--;
      const v = values[i] as number;
      if (!Number.isNaN(v)) remaining--;
    }
    for (; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) this.sketch.update(v);
    }
    this.sketch.addSamples(this.samples.subarray(0, this.size), this.h);
  }
}

function countNonNaN(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) count++;
  return count;
}

function isSortedAscending(values: Float64Array): boolean {
  for (let i = 1; i < values.length; i++)
    if (!((values[i - 1] as number) <= (values[i] as number))) return false;
  return true;
}

function mergeSorted(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length)
    out[o++] = (a[i] as number) <= (b[j] as number) ? (a[i++] as number) : (b[j++] as number);
  while (i < a.length) out[o++] = a[i++] as number;
  while (j < b.length) out[o++] = b[j++] as number;
  return out;
}

/** A CDF built from a sketch's weighted items: F(x) = weight of items <= x / total weight. */
export class SketchCdf {
  readonly values: Float64Array;
  readonly cumulative: Float64Array;
  readonly total: number;

  constructor(sketch: KllSketch) {
    const { values, weights } = sketch.weightedItems();
    this.values = values;
    this.cumulative = new Float64Array(values.length);
    let running = 0;
    for (let i = 0; i < values.length; i++) {
      running += weights[i] as number;
      this.cumulative[i] = running;
    }
    this.total = running;
  }

  /** Fraction of values <= x. */
  cdf(x: number): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.values[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (this.cumulative[lo - 1] as number) / this.total;
  }

  /** Fraction of values < x. */
  cdfBelow(x: number): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.values[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : (this.cumulative[lo - 1] as number) / this.total;
  }

  /** Smallest item whose CDF reaches q (0 <= q <= 1). */
  quantile(q: number): number {
    const target = q * this.total;
    let lo = 0;
    let hi = this.values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) >= target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo] as number;
  }
}
