/**
 * Misra-Gries frequent-items summary with `capacity` counters. Exact while at most `capacity`
 * distinct values have been seen; after that every reported count underestimates the true
 * count by at most `error` (≤ n / (capacity + 1)), and every value more frequent than `error`
 * is kept. Mergeable (Agarwal et al. 2012).
 */
export interface FrequentItemsJson {
  capacity: number;
  /** [value, count] pairs, most frequent first. */
  items: [string, number][];
  /** Upper bound on how much any count underestimates the truth; 0 while exact. */
  error: number;
}

export class FrequentItems {
  readonly capacity: number;
  counts = new Map<string, number>();
  error = 0;

  constructor(capacity = 1000) {
    this.capacity = capacity;
  }

  add(value: string, count = 1): void {
    const current = this.counts.get(value);
    if (current !== undefined) {
      this.counts.set(value, current + count);
      return;
    }
    this.counts.set(value, count);
    if (this.counts.size > this.capacity) this.reduce();
  }

  /**
   * Adds many (value, count) pairs at once, for example the counts of one batch: the same as
   * {@link add} for each pair while the result has at most `capacity` values (then every count is
   * exact). With more values, one reduction cuts every count by the (capacity + 1)-th largest,
   * which removes at least capacity + 1 times that cut from the total, so `error` still bounds the
   * undercount of any value by n / (capacity + 1).
   */
  addCounts(values: readonly string[], counts: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as string;
      const count = counts[i] as number;
      if (count <= 0) continue;
      this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    }
    if (this.counts.size > this.capacity) this.reduce();
  }

  private reduce(): void {
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity] ?? 0;
    if (cut <= 0) return;
    for (const [key, count] of this.counts) {
      if (count <= cut) this.counts.delete(key);
      else this.counts.set(key, count - cut);
    }
    this.error += cut;
  }

  merge(other: FrequentItems): void {
    for (const [key, count] of other.counts) {
      this.counts.set(key, (this.counts.get(key) ?? 0) + count);
    }
    this.error += other.error;
    if (this.counts.size > this.capacity) this.reduce();
  }

  get exact(): boolean {
    return this.error === 0;
  }

  toJSON(): FrequentItemsJson {
    const items = [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return { capacity: this.capacity, items, error: this.error };
  }

  static fromJSON(json: FrequentItemsJson): FrequentItems {
    const f = new FrequentItems(json.capacity);
    for (const [key, count] of json.items) f.counts.set(key, count);
    f.error = json.error;
    return f;
  }
}
