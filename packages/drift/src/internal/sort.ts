/**
 * In-place ascending sort of a Float64Array without NaN. One MSD radix pass on the top 16 bits of
 * the IEEE-754 representation (sign, exponent and 4 mantissa bits) spreads the values over 65,536
 * buckets, then each bucket, small enough to stay in cache, is quicksorted. V8's built-in
 * `Float64Array.prototype.sort` is several times slower on a million values.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 2048) {
    quickSort(values, 0, n - 1);
    return values;
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const hiIndex = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  const keys = new Uint16Array(n);
  const counts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hiIndex] as number;
    // Map float order to unsigned order: negative -> flip all bits, positive -> set the sign bit.
    const key = (h & 0x80000000 ? ~h : h | 0x80000000) >>> 16;
    keys[i] = key;
    counts[key + 1] = (counts[key + 1] as number) + 1;
  }
  for (let k = 1; k <= 65536; k++) counts[k] = (counts[k] as number) + (counts[k - 1] as number);
  const starts = counts.slice(0, 65536);
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i] as number;
    const target = counts[key] as number;
    counts[key] = target + 1;
    sorted[target] = values[i] as number;
  }
  for (let k = 0; k < 65536; k++) {
    const lo = starts[k] as number;
    const hi = (counts[k] as number) - 1;
    if (hi > lo) quickSort(sorted, lo, hi);
  }
  values.set(sorted);
  return values;
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
