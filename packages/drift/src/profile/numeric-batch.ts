import {
  HIGH_WORD,
  HLL_PRECISION,
  hashNumber,
  LOW_WORD,
  NEGATIVE_ZERO_HIGH_WORD,
  RANK_MARKER,
} from './hyperloglog.js';

// Module-local copies: hot loops must not read another module's bindings (some loaders turn
// them into getters).
const HIGH = HIGH_WORD;
const LOW = LOW_WORD;
const PRECISION = HLL_PRECISION;
const INDEX_SHIFT = 32 - HLL_PRECISION;
const MARKER = RANK_MARKER;
const NEGATIVE_ZERO_HIGH = NEGATIVE_ZERO_HIGH_WORD;
const hashOf = hashNumber;

/**
 * Tight loops for profiling a whole numeric column at once (the batch path of
 * `NumericAccumulator.addBatch`). One pass over each block of the column gives count, missing,
 * min, max, the HyperLogLog registers, the exact-values table and the sums of deviations and
 * squared deviations from a shift close to the mean (the running mean); when the shift turns out
 * far from the block's mean, so that those sums would lose precision, the caller rescans the block
 * (still in cache) for deviations from its mean. Blocks then merge Chan-style.
 */

/** Values per block: 128 KiB of float64, so the second pass reads from L2. */
export const BATCH_BLOCK = 16384;

/** Numeric typed arrays that the batch path reads directly. */
export type NumericTypedArray = Float64Array | Float32Array | Int32Array;

/** Slots of the exact-values table (open addressing, at most half full). */
const EXACT_SLOTS = 64;
const EXACT_SHIFT = 32 - Math.log2(EXACT_SLOTS);

/**
 * Counts of distinct values while there are at most `limit` of them, keyed by the HyperLogLog
 * hash that the scan computes anyway, so a lookup costs a probe or two instead of a Map lookup.
 */
export class ExactValueTable {
  readonly keys = new Float64Array(EXACT_SLOTS);
  readonly counts = new Float64Array(EXACT_SLOTS);
  readonly used = new Uint8Array(EXACT_SLOTS);
  size = 0;

  constructor(readonly limit: number) {}

  /** Loads existing [value, count] pairs (at most `limit`). */
  static from(values: ReadonlyMap<number, number>, limit: number): ExactValueTable {
    const table = new ExactValueTable(limit);
    for (const [value, count] of values) table.insert(value, hashNumber(value), count);
    return table;
  }

  /** Adds `count` to `value` (hash = hashNumber(value)); false when that would exceed the limit. */
  insert(value: number, hash: number, count: number): boolean {
    let slot = hash >>> EXACT_SHIFT;
    while (this.used[slot] === 1) {
      if (this.keys[slot] === value) {
        this.counts[slot] = (this.counts[slot] as number) + count;
        return true;
      }
      slot = (slot + 1) & (EXACT_SLOTS - 1);
    }
    if (this.size >= this.limit) return false;
    this.used[slot] = 1;
    this.keys[slot] = value === 0 ? 0 : value;
    this.counts[slot] = count;
    this.size++;
    return true;
  }

  toMap(): Map<number, number> {
    const map = new Map<number, number>();
    for (let slot = 0; slot < EXACT_SLOTS; slot++)
      if (this.used[slot] === 1) map.set(this.keys[slot] as number, this.counts[slot] as number);
    return map;
  }
}

/** Results of {@link scanBlock} and {@link deviations} (reused across blocks). */
export interface BlockStats {
  count: number;
  missing: number;
  min: number;
  max: number;
  /** Σ (v - center)² over the non-missing values. */
  squares: number;
  /** Σ (v - center). */
  deviations: number;
}

export function blockStats(): BlockStats {
  return {
    count: 0,
    missing: 0,
    min: Infinity,
    max: -Infinity,
    squares: 0,
    deviations: 0,
  };
}

/**
 * One pass over data[start, end): NaN counts as missing; every other value updates count, min,
 * max, Σ (v - center) and Σ (v - center)² and the HyperLogLog `registers` (hash of its float64
 * bits read from `words`, an Int32Array view of the same memory).
 */
export function scanBlock(
  data: Float64Array,
  words: Int32Array,
  start: number,
  end: number,
  center: number,
  registers: Uint8Array,
  out: BlockStats,
): void {
  // Store once before the loop: code optimized on-stack during the first long loop otherwise
  // has no feedback for these stores and deoptimizes at the end of every call.
  out.count = 0;
  out.missing = 0;
  out.squares = 0;
  out.deviations = 0;
  out.min = Infinity;
  out.max = -Infinity;
  const high = HIGH;
  const low = LOW;
  let count = 0;
  let missing = 0;
  let squares = 0;
  let deviations = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const v = data[i] as number;
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    count++;
    const d = v - center;
    squares += d * d;
    deviations += d;
    if (v < min) min = v;
    if (v > max) max = v;
    let hi = words[2 * i + high] as number;
    const lo = words[2 * i + low] as number;
    if (lo === 0 && hi === NEGATIVE_ZERO_HIGH) hi = 0;
    // hashFloat64Words(hi, lo), inlined (the batch/per-value equality test guards the copy).
    let h = Math.imul(lo, 0xcc9e2d51);
    h ^= h >>> 16;
    h ^= hi;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h >>>= 0;
    const index = h >>> INDEX_SHIFT;
    const rank = Math.clz32((h << PRECISION) | MARKER) + 1;
    if (rank > (registers[index] as number)) registers[index] = rank;
  }
  out.count = count;
  out.missing = missing;
  out.squares = squares;
  out.deviations = deviations;
  out.min = min;
  out.max = max;
}

/**
 * Counts the non-NaN values of data[start, end) in `table`; false (table then partly updated)
 * as soon as a value would exceed its limit. A separate loop from {@link scanBlock}, so that
 * the common case, a column with many distinct values, stops here after a few dozen values.
 */
export function countExact(
  data: Float64Array,
  start: number,
  end: number,
  table: ExactValueTable,
): boolean {
  const keys = table.keys;
  const counts = table.counts;
  const used = table.used;
  const limit = table.limit;
  let size = table.size;
  table.size = size; // see scanBlock
  let last = Number.NaN;
  let lastSlot = -1;
  let ok = true;
  for (let i = start; i < end; i++) {
    const v = data[i] as number;
    if (Number.isNaN(v)) continue;
    // Runs of one value (sorted or clustered columns) skip the hash.
    if (v === last) {
      counts[lastSlot] = (counts[lastSlot] as number) + 1;
      continue;
    }
    let slot = hashOf(v) >>> EXACT_SHIFT;
    while (used[slot] === 1 && keys[slot] !== v) slot = (slot + 1) & (EXACT_SLOTS - 1);
    if (used[slot] === 1) {
      counts[slot] = (counts[slot] as number) + 1;
    } else if (size < limit) {
      used[slot] = 1;
      keys[slot] = v === 0 ? 0 : v;
      counts[slot] = 1;
      size++;
    } else {
      ok = false;
      break;
    }
    last = v;
    lastSlot = slot;
  }
  table.size = size;
  return ok;
}

/** Rescan: Σ (v - center)² and Σ (v - center) over the non-NaN values of data[start, end). */
export function deviations(
  data: Float64Array,
  start: number,
  end: number,
  center: number,
  out: BlockStats,
): void {
  out.squares = 0; // see scanBlock
  out.deviations = 0;
  let squares = 0;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = data[i] as number;
    if (Number.isNaN(v)) continue;
    const d = v - center;
    squares += d * d;
    sum += d;
  }
  out.squares = squares;
  out.deviations = sum;
}

/** Index of the first non-finite, non-NaN value of values[start, end), or -1. */
export function firstInfinite(values: ArrayLike<number>, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const v = values[i] as number;
    if (v === Infinity || v === -Infinity) return i;
  }
  return -1;
}
