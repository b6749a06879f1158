/**
 * In-place ascending sort of a Float64Array without NaN: a bucket pass by value (up to 65,536
 * equal-width buckets between min and max, like a histogram) and then a quicksort of each bucket,
 * small enough to stay in cache; a bucket that still holds more than 1/8 of the values (skewed
 * data) is sorted the same way recursively. V8's built-in `Float64Array.prototype.sort` is several
 * times slower on large arrays.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  sortRange(values, values, 0, values.length);
  return values;
}

/** A sorted copy of `values` (left unchanged), without an extra copy pass. */
export function sortedCopyFloat64(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  if (values.length < 512) {
    out.set(values);
    quickSort(out, 0, out.length - 1);
    return out;
  }
  sortRange(values, out, 0, values.length);
  return out;
}

/** Sorts src[lo, hi) into a[lo, hi) (src may be a itself). */
function sortRange(src: Float64Array, a: Float64Array, lo: number, hi: number): void {
  const n = hi - lo;
  if (n < 512) {
    quickSort(a, lo, hi - 1);
    return;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = lo; i < hi; i++) {
    const v = src[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    if (src !== a) a.set(src.subarray(lo, hi), lo);
    return;
  }
  const buckets = Math.min(65536, n >>> 1);
  // Halves keep max - min finite for values near ±1.8e308.
  const halfMin = min * 0.5;
  const scale = buckets / (max * 0.5 - halfMin);
  const last = buckets - 1;
  const keys = new Uint32Array(n);
  const counts = new Uint32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    let key = Math.floor(((src[lo + i] as number) * 0.5 - halfMin) * scale);
    if (key > last) key = last;
    keys[i] = key;
    counts[key + 1] = (counts[key + 1] as number) + 1;
  }
  for (let k = 1; k <= buckets; k++) counts[k] = (counts[k] as number) + (counts[k - 1] as number);
  const starts = counts.slice(0, buckets + 1);
  if (src === a) {
    const scattered = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const key = keys[i] as number;
      const target = counts[key] as number;
      counts[key] = target + 1;
      scattered[target] = src[lo + i] as number;
    }
    a.set(scattered, lo);
  } else {
    for (let i = 0; i < n; i++) {
      const key = keys[i] as number;
      const target = counts[key] as number;
      counts[key] = target + 1;
      a[lo + target] = src[lo + i] as number;
    }
  }
  const large = Math.max(512, n >>> 3);
  for (let k = 0; k < buckets; k++) {
    const from = lo + (starts[k] as number);
    const to = lo + (starts[k + 1] as number);
    const size = to - from;
    if (size < 2) continue;
    if (size > large) sortRange(a, a, from, to);
    else quickSort(a, from, to - 1);
  }
}

/** Introspective-enough quicksort with insertion sort below 16 items, for short arrays. */
function quickSort(a: Float64Array, left: number, right: number): void {
  let lo = left;
  let hi = right;
  while (hi - lo >= 16) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot.
    let x = a[lo] as number;
    let y = a[mid] as number;
    let z = a[hi] as number;
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Recurse into the smaller part, loop on the larger one.
    if (j - lo < hi - i) {
      quickSort(a, lo, j);
      lo = i;
    } else {
      quickSort(a, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i] as number;
    let j = i - 1;
    while (j >= lo && (a[j] as number) > v) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = v;
  }
}
