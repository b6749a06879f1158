import { describe, expect, it } from 'vitest';
import categorical from '../__fixtures__/categorical.json' with { type: 'json' };
import multiple from '../__fixtures__/multiple-testing.json' with { type: 'json' };
import numeric from '../__fixtures__/numeric.json' with { type: 'json' };
import special from '../__fixtures__/special.json' with { type: 'json' };
import zFixtures from '../__fixtures__/z-test.json' with { type: 'json' };
import { besselK025 } from '../special/bessel.js';
import { chiSquareSf, normalSf } from '../special/gamma.js';
import { kolmogorovSf } from '../special/kolmogorov.js';
import { smirnov } from '../special/smirnov.js';
import { andersonDarling } from './anderson-darling.js';
import { hellingerDistance, jensenShannonDistance, klDivergence, psi } from './binned.js';
import { chiSquareTest } from './chi-square-test.js';
import { cramerVonMises } from './cramer-von-mises.js';
import { ksTest } from './ks-test.js';
import { mannWhitneyU } from './mann-whitney.js';
import { adjustPValues } from './multiple-testing.js';
import { normedWassersteinDistance, wassersteinDistance } from './wasserstein.js';
import { zTestCounts } from './z-test.js';

const RTOL = 1e-9;

function close(
  actual: number | undefined,
  expected: number | null,
  label: string,
  atol = 1e-300,
): void {
  if (expected === null) throw new Error(`${label}: fixture has no value`);
  expect(actual, label).toBeTypeOf('number');
  const a = actual as number;
  const tolerance = RTOL * Math.abs(expected) + atol;
  if (!(Math.abs(a - expected) <= tolerance)) {
    throw new Error(
      `${label}: got ${a}, SciPy ${expected} (relative error ${Math.abs(a - expected) / Math.abs(expected)})`,
    );
  }
}

describe('statistics match SciPy to 1e-9 relative', () => {
  for (const c of numeric.cases) {
    describe(c.name, () => {
      it('ksTest (auto, exact, asymp) = scipy.stats.ks_2samp', () => {
        for (const method of ['auto', 'exact', 'asymp'] as const) {
          const r = ksTest(c.reference, c.current, { method });
          close(r.statistic, c.ks[method].statistic, `${method} statistic`);
          close(r.pValue, c.ks[method].pValue, `${method} p`);
        }
      });
      it('wassersteinDistance and its normed form', () => {
        close(wassersteinDistance(c.reference, c.current).statistic, c.wasserstein, 'wasserstein');
        close(
          normedWassersteinDistance(c.reference, c.current).statistic,
          c.normedWasserstein,
          'normed',
        );
      });
      if (c.andersonDarling) {
        const ad = c.andersonDarling;
        it('andersonDarling = scipy.stats.anderson_ksamp', () => {
          const r = andersonDarling(c.reference, c.current);
          close(r.statistic, ad.statistic, 'statistic');
          close(r.pValue, ad.pValue, 'p');
        });
      }
      it('cramerVonMises = scipy.stats.cramervonmises_2samp', () => {
        for (const [method, expected] of Object.entries(c.cramerVonMises)) {
          const r = cramerVonMises(c.reference, c.current, { method: method as 'auto' });
          close(r.statistic, expected.statistic, `${method} statistic`);
          // The asymptotic p-value is 1 - cdf with cdf near 1: SciPy's own value carries an absolute
          // error of a few 1e-16 there, so tiny p-values agree to 1e-14 absolute, not 1e-9 relative.
          close(r.pValue, expected.pValue, `${method} p`, method === 'exact' ? 1e-300 : 1e-14);
        }
      });
      it('mannWhitneyU = scipy.stats.mannwhitneyu', () => {
        for (const [method, expected] of Object.entries(c.mannWhitneyU)) {
          const r = mannWhitneyU(c.reference, c.current, { method: method as 'auto' });
          close(r.statistic, expected.statistic, `${method} statistic`);
          close(r.pValue, expected.pValue, `${method} p`);
        }
      });
      it('binned measures follow the stated binning rule', () => {
        close(psi(c.reference, c.current).statistic, c.psi, 'psi');
        close(klDivergence(c.reference, c.current).statistic, c.kl, 'kl');
        close(jensenShannonDistance(c.reference, c.current).statistic, c.jensenShannon, 'js');
        close(hellingerDistance(c.reference, c.current).statistic, c.hellinger, 'hellinger');
      });
    });
  }

  for (const c of categorical.cases) {
    it(`chiSquareTest and binned measures on categories: ${c.name}`, () => {
      const r = chiSquareTest(c.reference, c.current);
      close(r.statistic, c.chiSquare.statistic, 'chi2');
      close(r.pValue, c.chiSquare.pValue, 'chi2 p');
      expect(r.degreesOfFreedom).toBe(c.chiSquare.dof);
      close(psi(c.reference, c.current).statistic, c.psi, 'psi');
      close(klDivergence(c.reference, c.current).statistic, c.kl, 'kl');
      close(jensenShannonDistance(c.reference, c.current).statistic, c.jensenShannon, 'js');
      close(hellingerDistance(c.reference, c.current).statistic, c.hellinger, 'hellinger');
    });
  }

  it('zTestCounts matches the pooled two-proportion z-test', () => {
    for (const c of zFixtures.cases) {
      const [s1, n1] = c.reference as [number, number];
      const [s2, n2] = c.current as [number, number];
      const r = zTestCounts({ successes: s1, total: n1 }, { successes: s2, total: n2 });
      close(r.statistic + 1, (c.statistic as number) + 1, 'z');
      close(r.pValue, c.pValue, 'p');
    }
  });

  it('adjustPValues matches bonferroni and fdr_bh', () => {
    const b = adjustPValues(multiple.pValues, 'bonferroni');
    const bh = adjustPValues(multiple.pValues, 'benjamini-hochberg');
    for (const [i, v] of multiple.bonferroni.entries()) close(b[i], v, `bonferroni ${i}`);
    for (const [i, v] of multiple.benjaminiHochberg.entries()) close(bh[i], v, `bh ${i}`);
  });

  it('kolmogorovSf = scipy.stats.kstwo.sf and smirnov = scipy.special.smirnov', () => {
    for (const c of special.kolmogorov) {
      close(kolmogorovSf(c.n, c.x), c.kstwoSf, `kstwo.sf(${c.x}, ${c.n})`);
      close(smirnov(c.n, c.x), c.smirnov, `smirnov(${c.n}, ${c.x})`);
    }
  });

  it('chi-square and normal tails, Bessel K_1/4', () => {
    for (const c of special.chiSquare)
      close(chiSquareSf(c.x, c.df), c.sf, `chi2.sf(${c.x}, ${c.df})`);
    for (const c of special.normal) close(normalSf(c.z), c.sf, `norm.sf(${c.z})`);
    for (const c of special.besselK025) close(besselK025(c.x), c.k, `kv(0.25, ${c.x})`);
  });
});
