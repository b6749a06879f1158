import { MlinfraError, ValidationError } from '@mlinfra/core/schema';
import { describe, expect, it } from 'vitest';
import missingFixture from '../__fixtures__/missing.json' with { type: 'json' };
import { profile } from '../profile/profile.js';
import { seeded } from '../test-support/random.js';
import { chiSquareTest } from '../tests/chi-square-test.js';
import { ksTest } from '../tests/ks-test.js';
import { normedWassersteinDistance } from '../tests/wasserstein.js';
import { detectDrift } from './detect-drift.js';

function table(n: number, shift: number, seed: number) {
  const r = seeded(seed);
  return Array.from({ length: n }, () => ({
    income: r.normal(50 + shift * 10, 10),
    city: r.uniform() < 0.5 + shift * 0.2 ? 'paris' : r.uniform() < 0.5 ? 'lyon' : 'nice',
    member: r.uniform() < 0.3 + shift * 0.2,
    rooms: Math.floor(r.uniform() * 4),
  }));
}

function expectValidation(fn: () => unknown, ...fragments: string[]): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(ValidationError.isInstance(error)).toBe(true);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('detectDrift', () => {
  it('chooses tests as Evidently documents for small and large references', () => {
    const small = detectDrift(table(500, 0, 1), table(300, 0, 2));
    expect(Object.fromEntries(small.columns.map((c) => [c.column, c.test]))).toEqual({
      income: 'ks',
      city: 'chi-square',
      member: 'z',
      rooms: 'chi-square',
    });
    const large = detectDrift(table(1500, 0, 1), table(300, 0, 2));
    expect(Object.fromEntries(large.columns.map((c) => [c.column, c.test]))).toEqual({
      income: 'wasserstein',
      city: 'jensen-shannon',
      member: 'jensen-shannon',
      rooms: 'jensen-shannon',
    });
  });

  it('counts distinct values over both samples when choosing, as Evidently does', () => {
    const report = detectDrift(
      { c: ['a', 'a', 'a', 'a'], n: [1, 1, 1, 1] },
      { c: ['a', 'b', 'c', 'c'], n: [1, 2, 3, 3] },
    );
    expect(report.columns.map((c) => c.test)).toEqual(['chi-square', 'chi-square']);
    expect(report.columns.every((c) => Number.isFinite(c.statistic))).toBe(true);
  });

  it('returns the same numbers as the standalone statistics on raw data', () => {
    const reference = table(400, 0, 3);
    const current = table(350, 0.3, 4);
    const report = detectDrift(reference, current);
    const income = report.columns.find((c) => c.column === 'income');
    const ks = ksTest(
      reference.map((r) => r.income),
      current.map((r) => r.income),
    );
    expect(income?.statistic).toBe(ks.statistic);
    expect(income?.pValue).toBe(ks.pValue);
    const city = report.columns.find((c) => c.column === 'city');
    expect(city?.statistic).toBe(
      chiSquareTest(
        reference.map((r) => r.city),
        current.map((r) => r.city),
      ).statistic,
    );
    const big = detectDrift(table(2000, 0, 3), table(2000, 0.3, 4), { columns: ['income'] });
    expect(big.columns[0]?.statistic).toBe(
      normedWassersteinDistance(
        table(2000, 0, 3).map((r) => r.income),
        table(2000, 0.3, 4).map((r) => r.income),
      ).statistic,
    );
  });

  it('flags drifted columns and dataset drift at the share threshold', () => {
    const same = detectDrift(table(800, 0, 5), table(800, 0, 6));
    expect(same.driftedColumns).toBe(0);
    expect(same.datasetDrift).toBe(false);
    const shifted = detectDrift(table(800, 0, 5), table(800, 1, 6));
    expect(shifted.columns.find((c) => c.column === 'income')?.drifted).toBe(true);
    expect(shifted.columns.find((c) => c.column === 'city')?.drifted).toBe(true);
    expect(shifted.driftShare).toBeGreaterThanOrEqual(0.5);
    expect(shifted.datasetDrift).toBe(true);
    const strict = detectDrift(table(800, 0, 5), table(800, 1, 6), { driftShare: 1 });
    expect(strict.datasetDrift).toBe(strict.driftedColumns === strict.columnCount);
  });

  it('applies per-column overrides, thresholds and multiple-testing correction', () => {
    const report = detectDrift(table(300, 0, 7), table(300, 0.2, 8), {
      perColumn: { income: { test: 'psi', threshold: 0.2 }, rooms: { test: 'jensen-shannon' } },
      correction: 'bonferroni',
    });
    const income = report.columns.find((c) => c.column === 'income');
    expect(income?.test).toBe('psi');
    expect(income?.threshold).toBe(0.2);
    expect(income?.pValue).toBeNull();
    const city = report.columns.find((c) => c.column === 'city');
    const tested = report.columns.filter((c) => c.pValue !== null).length;
    expect(city?.adjustedPValue).toBeCloseTo(Math.min(1, (city?.pValue as number) * tested), 12);
  });

  it('drops null, undefined and NaN as missing and counts them (SciPy nan_policy="omit")', () => {
    const reference = { x: missingFixture.reference.map((v) => v ?? Number.NaN) };
    const current = {
      x: missingFixture.current.map((v, i) => (v === null ? (i % 2 ? null : undefined) : v)),
    };
    const report = detectDrift(reference, current);
    const x = report.columns[0];
    expect(x?.referenceMissing).toBe(3);
    expect(x?.currentMissing).toBe(2);
    expect(Math.abs((x?.statistic as number) - missingFixture.ks.statistic)).toBeLessThanOrEqual(
      1e-9 * missingFixture.ks.statistic,
    );
    expect(Math.abs((x?.pValue as number) - missingFixture.ks.pValue)).toBeLessThanOrEqual(
      1e-9 * missingFixture.ks.pValue,
    );
  });

  it('accepts row objects, column arrays and Arrow-like tables alike', () => {
    const rows = table(200, 0, 9);
    const current = table(200, 0.5, 10);
    const columns = {
      income: Float64Array.from(rows, (r) => r.income),
      city: rows.map((r) => r.city),
      member: rows.map((r) => r.member),
      rooms: rows.map((r) => r.rooms),
    };
    const arrow = {
      numCols: 4,
      numRows: rows.length,
      schema: { fields: Object.keys(columns).map((name) => ({ name })) },
      getChild(name: string) {
        const values = columns[name as keyof typeof columns];
        return {
          length: values.length,
          nullCount: 0,
          get: (i: number) => values[i],
          toArray: () => values,
        };
      },
    };
    const fromRows = detectDrift(rows, current);
    for (const input of [columns, arrow]) {
      const other = detectDrift(input, current);
      expect(other.columns.map((c) => [c.column, c.statistic, c.pValue])).toEqual(
        fromRows.columns.map((c) => [c.column, c.statistic, c.pValue]),
      );
    }
  });

  it('rejects bad input with a ValidationError that names the column', () => {
    const reference = table(50, 0, 11);
    expectValidation(
      () =>
        detectDrift(
          reference,
          reference.map(({ city: _city, ...rest }) => rest),
        ),
      '"city"',
    );
    expectValidation(
      () =>
        detectDrift(
          reference,
          reference.map((r) => ({ ...r, income: null })),
        ),
      'Column "income"',
      'no non-missing values',
    );
    expectValidation(
      () =>
        detectDrift(
          reference,
          reference.map((r, i) => ({ ...r, income: i === 3 ? 'high' : r.income })),
        ),
      'Column "income"',
      'row 3',
    );
    expectValidation(
      () =>
        detectDrift(
          reference,
          reference.map((r) => ({ ...r, income: Number.POSITIVE_INFINITY })),
        ),
      'Column "income"',
      'infinities',
    );
    expectValidation(
      () =>
        detectDrift(
          reference.map((r, i) => ({ ...r, city: i === 0 ? 5 : r.city })),
          reference,
        ),
      'Column "city"',
      'mixes',
    );
    expectValidation(
      () => detectDrift(reference, reference, { perColumn: { city: { test: 'ks' } } }),
      '"city"',
      'categorical',
    );
    expectValidation(
      () => detectDrift(reference, reference, { driftShare: 2 } as never),
      'driftShare',
    );
    expectValidation(
      () =>
        detectDrift(reference, reference, { perColumn: { income: { test: 'bogus' } } } as never),
      'perColumn',
    );
    expectValidation(() => detectDrift(42 as never, reference), 'reference must be');
    const error = expectValidation(
      () => detectDrift({ a: [1, 2], b: [1] }, reference),
      'same length',
    );
    expect(MlinfraError.isInstance(error)).toBe(true);
    expect(error.code).toBe('VALIDATION');
  });

  it('compares profiles of key-like columns (every value unique) without failing', () => {
    const ids = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    // Small enough for exact counts: disjoint ids are a real (if useless) difference.
    const small = detectDrift(profile({ id: ids('a', 500) }), profile({ id: ids('b', 500) }));
    expect(Number.isFinite(small.columns[0]!.statistic)).toBe(true);
    // Past the frequent-items capacity both sides are mostly "other": the same shape, no drift.
    const large = detectDrift(profile({ id: ids('a', 5000) }), profile({ id: ids('b', 5000) }));
    expect(large.columns[0]!.test).toBe('jensen-shannon');
    expect(large.columns[0]!.drifted).toBe(false);
    // A frequent value that appears on one side only still shows up as drift.
    const skewed = [...ids('b', 3000), ...Array.from({ length: 3000 }, () => 'spam')];
    const drifted = detectDrift(profile({ id: ids('a', 6000) }), profile({ id: skewed }));
    expect(drifted.columns[0]?.drifted).toBe(true);
  });

  it('runs on profiles alone within the documented error bound', () => {
    const r = seeded(12);
    const a = Array.from({ length: 30000 }, () => r.normal(0, 1));
    const b = Array.from({ length: 30000 }, () => r.normal(0.05, 1.1));
    const exact = detectDrift({ x: a }, { x: b }, { perColumn: { x: { test: 'ks' } } }).columns[0];
    const fromProfiles = detectDrift(profile({ x: a }), profile({ x: b }), {
      perColumn: { x: { test: 'ks' } },
    }).columns[0];
    expect(fromProfiles?.approximate).toBe(true);
    expect(
      Math.abs((fromProfiles?.statistic as number) - (exact?.statistic as number)),
    ).toBeLessThanOrEqual(fromProfiles?.errorBound as number);
    const exactW = detectDrift({ x: a }, { x: b }).columns[0];
    const approxW = detectDrift(profile({ x: a }), { x: b }).columns[0];
    expect(approxW?.test).toBe('wasserstein');
    expect(
      Math.abs((approxW?.statistic as number) - (exactW?.statistic as number)),
    ).toBeLessThanOrEqual(approxW?.errorBound as number);
    // In practice the sketch is far tighter than the worst-case bound.
    expect(Math.abs((approxW?.statistic as number) - (exactW?.statistic as number))).toBeLessThan(
      0.02,
    );
    expectValidation(
      () =>
        detectDrift(
          profile({ x: a }),
          { x: b },
          { perColumn: { x: { test: 'anderson-darling' } } },
        ),
      'needs raw values',
    );
  });
});
