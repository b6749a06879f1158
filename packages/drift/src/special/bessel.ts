// Modified Bessel function of the second kind of order 1/4, K_{1/4}(x), by Temme's series for
// x < 2 and Steed's continued fraction (CF2) above, as in Numerical Recipes' `bessik`. Relative
// error about 1e-15; only order 1/4 is needed (Cramér-von Mises limiting distribution).

const MU = 0.25;
// 1/Γ(1+μ) and 1/Γ(1-μ) for μ = 1/4: Γ(5/4) = Γ(1/4)/4, Γ(3/4).
const GAMMA_1_4 = 3.625609908221908;
const GAMMA_3_4 = 1.2254167024651776;
const GAMPL = 1 / (GAMMA_1_4 / 4);
const GAMMI = 1 / GAMMA_3_4;
const GAM1 = (GAMMI - GAMPL) / (2 * MU);
const GAM2 = (GAMMI + GAMPL) / 2;
const EPS = Number.EPSILON;

/** K_{1/4}(x) for x > 0; 0 when it underflows. */
export function besselK025(x: number): number {
  if (!(x > 0)) return Number.NaN;
  const xmu2 = MU * MU;
  if (x < 2) {
    const x2 = 0.5 * x;
    const pimu = Math.PI * MU;
    const fact = pimu / Math.sin(pimu);
    let d = -Math.log(x2);
    let e = MU * d;
    const fact2 = Math.abs(e) < EPS ? 1 : Math.sinh(e) / e;
    let ff = fact * (GAM1 * Math.cosh(e) + GAM2 * fact2 * d);
    let sum = ff;
    e = Math.exp(e);
    let p = 0.5 * e * (1 / GAMPL);
    let q = 0.5 / (e * GAMMI);
    let c = 1;
    d = x2 * x2;
    for (let i = 1; i < 10000; i++) {
      ff = (i * ff + p + q) / (i * i - xmu2);
      c *= d / i;
      p /= i - MU;
      q /= i + MU;
      const del = c * ff;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return sum;
  }
  let b = 2 * (1 + x);
  let d = 1 / b;
  let delh = d;
  let q1 = 0;
  let q2 = 1;
  const a1 = 0.25 - xmu2;
  let q = a1;
  let c = a1;
  let a = -a1;
  let s = 1 + q * delh;
  for (let i = 1; i < 10000; i++) {
    a -= 2 * i;
    c = (-a * c) / (i + 1.0);
    const qnew = (q1 - b * q2) / a;
    q1 = q2;
    q2 = qnew;
    q += c * qnew;
    b += 2;
    d = 1 / (b + a * d);
    delh = (b * d - 1) * delh;
    const dels = q * delh;
    s += dels;
    if (Math.abs(dels / s) < EPS) break;
  }
  return (Math.sqrt(Math.PI / (2 * x)) * Math.exp(-x)) / s;
}
