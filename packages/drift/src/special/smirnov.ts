import {
  type DD,
  dd,
  ddAddNumber,
  ddDiv,
  ddFloor,
  ddFrexp,
  ddMul,
  ddMulNumber,
  ddSub,
  ddToNumber,
  frexp,
  frexpExponent,
  ldexp,
} from './double-double.js';

// Port of the survival function of `xsf::cephes::smirnov` (SciPy's `scipy.special.smirnov`):
// the one-sided Kolmogorov-Smirnov distribution, summed in double-double precision.

const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;
const LOG_SPACE_MIN_TERMS = 2000;
const MINLOG = -745.1332191019412;
const EPSILON = Number.EPSILON;

function nextPowerOf2(x: number): number {
  const q = x * 2 ** (1 - 53);
  let l = Math.abs(q + x);
  if (l === 0) {
    l = Math.abs(x);
  } else {
    const lInt = Math.trunc(l);
    if (lInt === l) l = lInt;
  }
  return l;
}

function powD(a: DD, m: number): DD {
  if (m <= 0) {
    if (m === 0) return dd(1);
    return ddDiv(dd(1), powD(a, -m));
  }
  if (a.hi === 0 && a.lo === 0) return dd(0);
  const ans = a.hi ** m;
  const r = a.lo / a.hi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) {
      adj += m * r * (((m - 1) / 2.0) * r);
    } else {
      adj = Math.expm1(m * Math.log1p(r));
    }
  }
  return ddAddNumber(dd(ans), ans * adj);
}

function pow2(a: number, b: number, m: number): number {
  return ddToNumber(powD(ddAddNumber(dd(a), b), m));
}

function pow2ScaledD(a: DD, m: number): [DD, number] {
  let maxExpt = SM_MAX_EXPONENT;
  if (m <= 0) {
    if (m === 0) return [dd(1), 0];
    const [ans1, aE1] = pow2ScaledD(a, -m);
    const [ans, aE2] = ddFrexp(ddDiv(dd(1), ans1));
    return [ans, -aE1 + aE2];
  }
  const [y, yE] = ddFrexp(a);
  if (m === 1) return [y, yE];
  if ((m * (y.hi - 1)) / y.hi < -SM_MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(y.hi) / Math.LN2;
    const lgAns = m * lg2y;
    if (lgAns <= -SM_MAX_EXPONENT) {
      maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
    }
  }
  if (m <= maxExpt) {
    const ans1 = powD(y, m);
    const [ans, ansE] = ddFrexp(ans1);
    return [ans, ansE + m * yE];
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  const [y2r, y2rE] = pow2ScaledD(y, r);
  const [y2m, y2mE] = pow2ScaledD(y, maxExpt);
  let [y2mq, y2mqE] = pow2ScaledD(y2m, q);
  const [ans, ansE0] = ddFrexp(ddMul(y2r, y2mq));
  y2mqE += y2mE * q;
  let ansE = ansE0 + y2mqE + y2rE;
  ansE += m * yE;
  return [ans, ansE];
}

function pow4D(a: number, b: number, c: number, d: number, m: number): DD {
  if (m <= 0) {
    if (m === 0) return dd(1);
    return pow4D(c, d, a, b, -m);
  }
  const A = ddAddNumber(dd(a), b);
  const C = ddAddNumber(dd(c), d);
  if (A.hi === 0) return C.hi === 0 ? dd(Number.NaN) : dd(0);
  if (C.hi === 0) return dd(A.hi < 0 ? -Infinity : Infinity);
  return powD(ddDiv(A, C), m);
}

// Allocation-free double-double kernel for the summation loop (results in (REG[0] as number), (REG[1] as number), (REG[2] as number)).
// Registers in a typed array: module-level `let` doubles would be re-boxed on every write.
const REG = new Float64Array(3);
const SPLIT = 134217729;

function kMul(ah: number, al: number, bh: number, bl: number): void {
  const p = ah * bh;
  let t = SPLIT * ah;
  const ahi = t - (t - ah);
  const alo = ah - ahi;
  t = SPLIT * bh;
  const bhi = t - (t - bh);
  const blo = bh - bhi;
  const lo = ahi * bhi - p + ahi * blo + alo * bhi + alo * blo + (ah * bl + al * bh);
  const s = p + lo;
  REG[1] = lo - (s - p);
  REG[0] = s;
}

function kAdd(ah: number, al: number, bh: number, bl: number): void {
  const s = ah + bh;
  let bb = s - ah;
  let e1 = ah - (s - bb) + (bh - bb);
  const t = al + bl;
  bb = t - al;
  const e2 = al - (t - bb) + (bl - bb);
  e1 += t;
  const s2 = s + e1;
  e1 -= s2 - s;
  e1 += e2;
  REG[0] = s2 + e1;
  REG[1] = e1 - ((REG[0] as number) - s2);
}

function kAddN(ah: number, al: number, b: number): void {
  const s = ah + b;
  const bb = s - ah;
  const e = ah - (s - bb) + (b - bb) + al;
  REG[0] = s + e;
  REG[1] = e - ((REG[0] as number) - s);
}

function kDiv(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  kMul(bh, bl, q1, 0);
  kAdd(ah, al, -(REG[0] as number), -(REG[1] as number));
  const q2 = (REG[0] as number) / bh;
  const rh = REG[0] as number;
  const rl = REG[1] as number;
  kMul(bh, bl, q2, 0);
  kAdd(rh, rl, -(REG[0] as number), -(REG[1] as number));
  const q3 = (REG[0] as number) / bh;
  const s = q1 + q2;
  kAddN(s, q2 - (s - q1), q3);
}

function kFrexp(h: number, l: number): void {
  if (h === 0 || !Number.isFinite(h)) {
    REG[0] = h;
    REG[1] = l;
    REG[2] = 0;
    return;
  }
  const e = frexpExponent(h);
  REG[0] = ldexp(h, -e);
  REG[1] = ldexp(l, -e);
  REG[2] = e;
}

function kPow(ah: number, al: number, m: number): void {
  if (m === 0) {
    REG[0] = 1;
    REG[1] = 0;
    return;
  }
  if (ah === 0) {
    REG[0] = 0;
    REG[1] = 0;
    return;
  }
  const ans = ah ** m;
  const r = al / ah;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) adj += m * r * (((m - 1) / 2.0) * r);
    else adj = Math.expm1(m * Math.log1p(r));
  }
  kAddN(ans, 0, ans * adj);
}

/** (a)^m as mantissa ((REG[0] as number), (REG[1] as number)) and exponent (REG[2] as number), for m >= 0, as `pow2Scaled_D`. */
function kPowScaled(ah: number, al: number, m: number): void {
  if (m === 0) {
    REG[0] = 1;
    REG[1] = 0;
    REG[2] = 0;
    return;
  }
  kFrexp(ah, al);
  const yh = REG[0] as number;
  const yl = REG[1] as number;
  const yE = REG[2] as number;
  if (m === 1) return;
  let maxExpt = SM_MAX_EXPONENT;
  if ((m * (yh - 1)) / yh < -SM_MAX_EXPONENT * Math.LN2) {
    const lg2y = Math.log(yh) / Math.LN2;
    if (m * lg2y <= -SM_MAX_EXPONENT)
      maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
  }
  if (m <= maxExpt) {
    kPow(yh, yl, m);
    kFrexp(REG[0] as number, REG[1] as number);
    REG[2] = (REG[2] as number) + m * yE;
    return;
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  kPowScaled(yh, yl, r);
  const rH = REG[0] as number;
  const rL = REG[1] as number;
  const rE = REG[2] as number;
  kPowScaled(yh, yl, maxExpt);
  const mE = REG[2] as number;
  kPowScaled(REG[0] as number, REG[1] as number, q);
  const mqH = REG[0] as number;
  const mqL = REG[1] as number;
  const mqE = (REG[2] as number) + mE * q;
  kMul(rH, rL, mqH, mqL);
  kFrexp(REG[0] as number, REG[1] as number);
  REG[2] = (REG[2] as number) + mqE + rE + m * yE;
}

/** `scipy.special.smirnov(n, x)`: P(D+_n >= x) for the one-sided one-sample KS statistic. */
export function smirnov(n: number, x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0.0) return 1.0;
  if (x === 1.0) return 0.0;

  // modNX: floor(n*x) and the remainder, exactly.
  const nxD = ddMulNumber(dd(x), n);
  const nxFloorD = ddFloor(nxD);
  let alpha = ddSub(nxD, nxFloorD).hi;
  let nxfl = Math.trunc(ddToNumber(nxFloorD));
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = pow2(1, x, n - 1);
    const cdf = x * t;
    return clamp01(1 - cdf);
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return clamp01(pow2(1, -x, n));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6.0 * n * x + 1) ** 2) / 18.0 / n;
    if (logp < -Math.LN2) return clamp01(Math.exp(logp));
    return clamp01(1 - -Math.expm1(logp));
  }

  const nUpperTerms0 = n - n1mxceil + 1;
  let useUpperSum = nUpperTerms0 <= 1 && x < 0.5;
  useUpperSum =
    useUpperSum ||
    (n >= SM_UPPERSUM_MIN_N && nUpperTerms0 <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));

  let start = 0;
  let step = 1;
  let nTerms = n1mxfl + 1;
  const vmid = Math.trunc(n / 2);
  let aj: DD;
  if (useUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    aj = pow4D(1, x, 1, 0, n - 1);
  } else {
    const t2 = pow4D(1, -x, 1, 0, n);
    aj = ddDiv(t2, dd(x));
  }
  let sumH = aj.hi;
  let sumL = aj.lo;
  if (!useUpperSum && nTerms > LOG_SPACE_MIN_TERMS) {
    // Long lower sums (large n): every term is positive, so summing them as exp(log term) in
    // double precision keeps about 1e-11 relative accuracy (the logs are at most ~n in size and
    // the binomial coefficient is accumulated term by term) at a fraction of the double-double cost.
    let sum = sumH + sumL;
    // log C(n, v), accumulated with a compensation term: a plain running sum of ~1e4 in size
    // would lose about 1e-12 per step.
    let logC = Math.log(n);
    let logCError = 0;
    for (let v = 1; v < nTerms; v++) {
      const u = x + v / n;
      const term = Math.exp(logC + ((v - 1) * Math.log(u) + (n - v) * Math.log1p(-u)) + logCError);
      sum += term;
      if (term !== 0) {
        if (4 * (nTerms - v) * term < EPSILON * sum && v !== nTerms - 1) break;
      } else if (v > vmid) {
        break;
      }
      const step = Math.log((n - v) / (v + 1));
      const next = logC + step;
      logCError += Math.abs(logC) >= Math.abs(step) ? logC - next + step : step - next + logC;
      logC = next;
    }
    return clamp01(sum * x);
  }
  // Binomial coefficient as mantissa (cH, cL) and exponent cE: C(n, 1) after the first update.
  kDiv(n, 0, 1, 0);
  kFrexp(REG[0] as number, REG[1] as number);
  let cH = REG[0] as number;
  let cL = REG[1] as number;
  let cE = REG[2] as number;
  for (let j = 1; j < nTerms; j += 1) {
    const v = start + j * step;
    kDiv(n - v, 0, n, 0);
    kAddN(REG[0] as number, REG[1] as number, -x);
    kPowScaled(REG[0] as number, REG[1] as number, n - v);
    const t2H = REG[0] as number;
    const t2L = REG[1] as number;
    const t2E = REG[2] as number;
    kDiv(v, 0, n, 0);
    kAddN(REG[0] as number, REG[1] as number, x);
    kPowScaled(REG[0] as number, REG[1] as number, v - 1);
    kMul(REG[0] as number, REG[1] as number, t2H, t2L);
    const e = (REG[2] as number) + t2E;
    kMul(REG[0] as number, REG[1] as number, cH, cL);
    const ajH = ldexp(REG[0] as number, cE + e);
    const ajL = ldexp(REG[1] as number, cE + e);
    if (Number.isFinite(ajH) && ajH !== 0) {
      kAdd(sumH, sumL, ajH, ajL);
      sumH = REG[0] as number;
      sumL = REG[1] as number;
    }
    if (ajH !== 0) {
      if (4 * (nTerms - j) * Math.abs(ajH + ajL) < EPSILON * (sumH + sumL) && j !== nTerms - 1)
        break;
    } else if (j > vmid) {
      break;
    }
    kDiv(n - j, 0, j + 1.0, 0);
    kMul(cH, cL, REG[0] as number, REG[1] as number);
    kFrexp(REG[0] as number, REG[1] as number);
    cH = REG[0] as number;
    cL = REG[1] as number;
    cE += REG[2] as number;
  }
  const ajSum = dd(sumH, sumL);
  const prob = ddToNumber(ddMulNumber(ajSum, x));
  // Summing the upper terms gives the CDF, the lower terms the survival function.
  const sf = step < 0 ? 1 - prob : prob;
  return clamp01(sf);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

// Re-exported for tests of the helpers.
export const _internal = { frexp, pow2ScaledD };
