import {
  type DD,
  dd,
  ddAdd,
  ddAddNumber,
  ddDiv,
  ddFloor,
  ddFrexp,
  ddLdexp,
  ddMul,
  ddMulNumber,
  ddSub,
  ddToNumber,
  frexp,
} from './double-double.js';

// Port of the survival function of `xsf::cephes::smirnov` (SciPy's `scipy.special.smirnov`):
// the one-sided Kolmogorov-Smirnov distribution, summed in double-double precision.

const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;
const MINLOG = -7.451332191019412076235e2;
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

function updateBinomial(cman: DD, cexpt: number, n: number, j: number): [DD, number] {
  const rat = ddDiv(dd(n - j), dd(j + 1.0));
  const man2 = ddMul(cman, rat);
  const [man, expt] = ddFrexp(man2);
  return [man, cexpt + expt];
}

function computeAv(n: number, x: number, v: number, cman: DD, cexpt: number): DD {
  const t2x = ddAddNumber(ddDiv(dd(n - v), dd(n)), -x);
  const [t2, t2E] = pow2ScaledD(t2x, n - v);
  const t1x = ddAddNumber(ddDiv(dd(v), dd(n)), x);
  const [t1, t1E] = pow2ScaledD(t1x, v - 1);
  let ans = ddMul(t1, t2);
  ans = ddMul(ans, cman);
  return ddLdexp(ans, cexpt + t1E + t2E);
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
  let cman = dd(1.0);
  let cexpt = 0;
  let aj: DD;
  let ajSum = dd(0);
  if (useUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    aj = pow4D(1, x, 1, 0, n - 1);
  } else {
    const t2 = pow4D(1, -x, 1, 0, n);
    aj = ddDiv(t2, dd(x));
  }
  ajSum = ddAdd(ajSum, aj);
  [cman, cexpt] = updateBinomial(cman, cexpt, n, 0);
  for (let j = 1; j < nTerms; j += 1) {
    const v = start + j * step;
    aj = computeAv(n, x, v, cman, cexpt);
    if (Number.isFinite(aj.hi) && aj.hi !== 0) {
      ajSum = ddAdd(ajSum, aj);
    }
    if (aj.hi !== 0) {
      if (
        4 * (nTerms - j) * Math.abs(ddToNumber(aj)) < EPSILON * ddToNumber(ajSum) &&
        j !== nTerms - 1
      ) {
        break;
      }
    } else if (j > vmid) {
      break;
    }
    [cman, cexpt] = updateBinomial(cman, cexpt, n, j);
  }
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
