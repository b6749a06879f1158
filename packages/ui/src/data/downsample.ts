/** A metric series as the chart data endpoint sends it. */
export interface ChartSeries {
  /** Steps (x), ascending. */
  steps: number[];
  /** Values (y); null where the value is NaN or infinite (a gap in the chart). */
  values: Array<number | null>;
  /** Points of the whole series. */
  total: number;
  /** Points in the requested range before downsampling. */
  inRange: number;
  /** True when the range held more than `maxPoints` points and was reduced to min/max per bucket. */
  downsampled: boolean;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** First index with `steps[index] >= step` (steps ascending). */
function lowerBound(steps: Float64Array, count: number, step: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((steps[middle] as number) < step) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Reduces the points of `[fromStep, toStep]` to at most `maxPoints`: the range is cut into
 * `maxPoints / 2` equal step buckets (one per pixel column of a chart that wide) and each bucket
 * keeps its smallest and largest value, in step order. Spikes survive, so the chart looks the
 * same as with every point drawn. NaN and infinities are kept as gaps (null), never as min/max.
 */
export function downsampleMinMax(
  steps: Float64Array,
  values: Float64Array,
  count: number,
  maxPoints: number,
  fromStep = Number.NEGATIVE_INFINITY,
  toStep = Number.POSITIVE_INFINITY,
): ChartSeries {
  const start = lowerBound(steps, count, fromStep);
  let end = lowerBound(steps, count, toStep);
  while (end < count && (steps[end] as number) <= toStep) end++;
  const inRange = end - start;
  const out: ChartSeries = { steps: [], values: [], total: count, inRange, downsampled: false };
  if (inRange <= maxPoints) {
    for (let index = start; index < end; index++) {
      out.steps.push(steps[index] as number);
      out.values.push(finiteOrNull(values[index] as number));
    }
    return out;
  }
  out.downsampled = true;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const first = steps[start] as number;
  const span = (steps[end - 1] as number) - first || 1;
  let index = start;
  for (let bucket = 0; bucket < buckets && index < end; bucket++) {
    const limit =
      bucket === buckets - 1 ? Number.POSITIVE_INFINITY : first + (span * (bucket + 1)) / buckets;
    let minIndex = -1;
    let maxIndex = -1;
    let gapIndex = -1;
    for (; index < end && (steps[index] as number) < limit; index++) {
      const value = values[index] as number;
      if (!Number.isFinite(value)) {
        if (gapIndex < 0) gapIndex = index;
        continue;
      }
      if (minIndex < 0 || value < (values[minIndex] as number)) minIndex = index;
      if (maxIndex < 0 || value > (values[maxIndex] as number)) maxIndex = index;
    }
    const keep = [minIndex, maxIndex, gapIndex].filter(
      (kept, position, all) => kept >= 0 && all.indexOf(kept) === position,
    );
    keep.sort((a, b) => a - b);
    // A bucket of only gaps still shows as a gap; a bucket with values keeps min and max.
    for (const kept of gapIndex >= 0 && minIndex >= 0 ? keep.filter((k) => k !== gapIndex) : keep) {
      out.steps.push(steps[kept] as number);
      out.values.push(finiteOrNull(values[kept] as number));
    }
  }
  return out;
}
