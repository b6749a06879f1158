/**
 * Double-double arithmetic (about 32 significant digits), as in the QD library and SciPy's
 * `xsf::cephes::double_double`, used where SciPy uses it so that results agree to the last bits.
 */
export interface DD {
  hi: number;
  lo: number;
}

const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ahi = t - (t - a);
  const alo = a - ahi;
  t = SPLITTER * b;
  const bhi = t - (t - b);
  const blo = b - bhi;
  return { hi: p, lo: ahi * bhi - p + ahi * blo + alo * bhi + alo * blo };
}

export function dd(hi: number, lo = 0): DD {
  return { hi, lo };
}

export function ddAdd(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  let r = quickTwoSum(s.hi, s.lo + t.hi);
  r = quickTwoSum(r.hi, r.lo + t.lo);
  return r;
}

export function ddAddNumber(a: DD, b: number): DD {
  const s = twoSum(a.hi, b);
  return quickTwoSum(s.hi, s.lo + a.lo);
}

export function ddNeg(a: DD): DD {
  return { hi: -a.hi, lo: -a.lo };
}

export function ddSub(a: DD, b: DD): DD {
  return ddAdd(a, ddNeg(b));
}

export function ddMul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

export function ddMulNumber(a: DD, b: number): DD {
  const p = twoProd(a.hi, b);
  return quickTwoSum(p.hi, p.lo + a.lo * b);
}

export function ddDiv(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  let r = ddSub(a, ddMulNumber(b, q1));
  const q2 = r.hi / b.hi;
  r = ddSub(r, ddMulNumber(b, q2));
  const q3 = r.hi / b.hi;
  const q = quickTwoSum(q1, q2);
  return ddAddNumber(q, q3);
}

export function ddFloor(a: DD): DD {
  const hi = Math.floor(a.hi);
  if (hi === a.hi) return quickTwoSum(hi, Math.floor(a.lo));
  return { hi, lo: 0 };
}

const POW2 = new Float64Array(2048);
for (let e = -1022; e <= 1023; e++) POW2[e + 1022] = 2 ** e;

/** `x * 2^e` without overflow in the intermediate power of two. */
export function ldexp(x: number, e: number): number {
  if (e >= -1022 && e <= 1023) return x * (POW2[e + 1022] as number);
  let value = x;
  let exponent = e;
  while (exponent > 1023) {
    value *= 2 ** 1023;
    exponent -= 1023;
  }
  while (exponent < -1022) {
    value *= 2 ** -1022;
    exponent += 1022;
  }
  return value * 2 ** exponent;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** Binary exponent e of C's `frexp` (x = m * 2^e, 0.5 <= |m| < 1); x finite and non-zero. */
export function frexpExponent(x: number): number {
  f64[0] = x;
  const biased = ((u32[HIGH_WORD] as number) >>> 20) & 0x7ff;
  if (biased !== 0) return biased - 1022;
  f64[0] = x * 2 ** 64;
  return (((u32[HIGH_WORD] as number) >>> 20) & 0x7ff) - 1022 - 64;
}

/** C's `frexp`: `x = mantissa * 2^exponent` with `0.5 <= |mantissa| < 1`. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const exponent = frexpExponent(x);
  return [ldexp(x, -exponent), exponent];
}

export function ddFrexp(a: DD): [DD, number] {
  const [mantissa, exponent] = frexp(a.hi);
  return [{ hi: mantissa, lo: ldexp(a.lo, -exponent) }, exponent];
}

export function ddLdexp(a: DD, e: number): DD {
  return { hi: ldexp(a.hi, e), lo: ldexp(a.lo, e) };
}

export function ddToNumber(a: DD): number {
  return a.hi + a.lo;
}
