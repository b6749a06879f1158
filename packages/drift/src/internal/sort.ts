/**
 * In-place ascending sort of a Float64Array without NaN, by LSD radix sort on the IEEE-754 bits
 * (6 passes of 11 bits). V8's built-in `Float64Array.prototype.sort` takes about 0.5 s for a
 * million values; this takes a few tens of milliseconds. -0 sorts before +0, as the built-in.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 600) return values.sort();
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const loIndex = little ? 0 : 1;
  const hiIndex = little ? 1 : 0;
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hiIndex] as number;
    const l = words[2 * i + loIndex] as number;
    // Map float order to unsigned order: negative -> flip all bits, positive -> flip the sign bit.
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let loOut = new Uint32Array(n);
  let hiOut = new Uint32Array(n);
  const counts = new Uint32Array(2048);
  const passes: [boolean, number, number][] = [
    [false, 0, 0x7ff],
    [false, 11, 0x7ff],
    [false, 22, 0x3ff],
    [true, 0, 0x7ff],
    [true, 11, 0x7ff],
    [true, 22, 0x3ff],
  ];
  for (const [useHigh, shift, mask] of passes) {
    counts.fill(0);
    const keys = useHigh ? hi : lo;
    for (let i = 0; i < n; i++) {
      const digit = ((keys[i] as number) >>> shift) & mask;
      counts[digit] = (counts[digit] as number) + 1;
    }
    // Skip a pass where every key has the same digit.
    if (counts[((keys[0] as number) >>> shift) & mask] === n) continue;
    let sum = 0;
    for (let d = 0; d <= mask; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const digit = ((keys[i] as number) >>> shift) & mask;
      const target = counts[digit] as number;
      counts[digit] = target + 1;
      loOut[target] = lo[i] as number;
      hiOut[target] = hi[i] as number;
    }
    [lo, loOut] = [loOut, lo];
    [hi, hiOut] = [hiOut, hi];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i] as number;
    const l = lo[i] as number;
    if (h & 0x80000000) {
      words[2 * i + hiIndex] = (h & 0x7fffffff) >>> 0;
      words[2 * i + loIndex] = l;
    } else {
      words[2 * i + hiIndex] = ~h >>> 0;
      words[2 * i + loIndex] = ~l >>> 0;
    }
  }
  return values;
}
