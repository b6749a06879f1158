// Log-gamma, regularized incomplete gamma, chi-square and normal tails.

const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202,
  0.00003399464998481189, 0.00004652362892704858, -0.00009837447530487956, 0.0001580887032249125,
  -0.00021026444172410488, 0.00021743961811521265, -0.16431810653676389e-3, 0.00008441822398385275,
  -0.000026190838401581408, 0.0000036899182659531625,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 671/128; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x === 1 || x === 2) return 0;
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.9999999999999971;
  for (const c of LANCZOS) {
    y += 1;
    ser += c / y;
  }
  return tmp + Math.log((2.5066282746310007 * ser) / x);
}

const EPS = 1e-17;
const FPMIN = Number.MIN_VALUE / EPS;

function lowerSeries(a: number, x: number, logPrefactor: number): number {
  let ap = a;
  let del = 1.0 / a;
  let sum = del;
  for (let n = 0; n < 100000; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(logPrefactor);
}

function upperContinuedFraction(a: number, x: number, logPrefactor: number): number {
  let b = x + 1.0 - a;
  let c = 1.0 / FPMIN;
  let d = 1.0 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1.0 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1.0) <= EPS) break;
  }
  return Math.exp(logPrefactor) * h;
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) (SciPy's `gammaincc`). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1.0) return 1.0 - lowerSeries(a, x, logPrefactor);
  return upperContinuedFraction(a, x, logPrefactor);
}

/** `scipy.stats.chi2.sf(x, df)`. */
export function chiSquareSf(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

/** `scipy.stats.norm.sf(z)`: upper tail of the standard normal distribution. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z === Infinity) return 0;
  if (z === -Infinity) return 1;
  // Φ̄(z) = Q(1/2, z²/2) / 2 for z >= 0; symmetric below 0.
  const half = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? half : 1 - half;
}
