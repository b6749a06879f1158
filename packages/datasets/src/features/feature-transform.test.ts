import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Datasets, openDatasets } from '../versions/datasets.js';
import { FeatureTransform } from './feature-transform.js';
import { fitFeatures } from './fit-features.js';

const rows = [
  { age: 20, income: 1000, city: 'oslo', member: true },
  { age: 30, income: null, city: 'rome', member: false },
  { age: 40, income: 3000, city: 'oslo', member: true },
  { age: null, income: 2000, city: null, member: false },
];

describe('FeatureTransform', () => {
  it('standardizes, min-max scales, one-hot and index encodes, filling nulls', () => {
    const transform = FeatureTransform.fit(rows, {
      age: 'standardize',
      income: { kind: 'minMax', fill: 'zero' },
      city: 'oneHot',
      member: 'passthrough',
    });
    expect(transform.featureNames).toEqual([
      'age',
      'income',
      'city=oslo',
      'city=rome',
      'city=<other>',
      'member',
    ]);
    expect(transform.width).toBe(6);
    const matrix = transform.transform([
      { age: 30, income: 2000, city: 'rome', member: true },
      { age: null, income: null, city: 'paris', member: null },
    ]);
    const std = Math.sqrt(((20 - 30) ** 2 + 0 + (40 - 30) ** 2) / 3);
    expect(Array.from(matrix.subarray(0, 6))).toEqual([0, 0.5, 0, 1, 0, 1]);
    expect(matrix[6]).toBeCloseTo(0);
    expect(matrix[7]).toBeCloseTo(-0.5);
    expect(Array.from(matrix.subarray(8, 11))).toEqual([0, 0, 1]);
    expect(matrix[11]).toBeCloseTo(0.5);
    expect(transform.transform({ age: 40 })[0]).toBeCloseTo(10 / std);
  });

  it('round-trips through JSON and transforms rows, columns and batches identically', () => {
    const transform = FeatureTransform.fit(rows, {
      age: 'standardize',
      city: { kind: 'index', maxCategories: 1 },
    });
    const json = JSON.parse(JSON.stringify(transform));
    expect(json.kind).toBe('mlinfra.feature-transform/v1');
    const loaded = FeatureTransform.fromJSON(json);
    const fromRows = loaded.transform(rows);
    expect(fromRows).toEqual(transform.transform(rows));
    expect(Array.from(fromRows.filter((_, index) => index % 2 === 1))).toEqual([1, 0, 1, 0]);
    const columns = { age: [20, 30, 40, null], city: ['oslo', 'rome', 'oslo', null] };
    expect(loaded.transform(columns)).toEqual(fromRows);
    const batch = {
      size: 4,
      columns: {
        age: Float64Array.from([20, 30, 40, Number.NaN]),
        city: ['oslo', 'rome', 'oslo', null],
      },
      nulls: { age: Uint8Array.from([0, 0, 0, 1]), city: Uint8Array.from([0, 0, 0, 1]) },
    };
    expect(loaded.transform(batch)).toEqual(fromRows);
  });

  it('rejects invalid JSON and specs with ValidationError naming the fix', () => {
    expect(() =>
      FeatureTransform.fromJSON({
        kind: 'mlinfra.feature-transform/v1',
        features: [{ column: 'a', kind: 'standardize', mean: 0, std: 0, fill: 0 }],
      }),
    ).toThrow(/FeatureTransform.toJSON/);
    expect(() => FeatureTransform.fit(rows, { age: 'scale' as 'standardize' })).toThrow(
      /Invalid feature spec/,
    );
    expect(() => FeatureTransform.fit(rows, { city: 'standardize' })).toThrow(
      /use oneHot\/index for text/,
    );
  });
});

describe('fitFeatures', () => {
  let folder: string;
  let datasets: Datasets;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'datasets-features-'));
    datasets = openDatasets({ store: createStore(join(folder, 'home')) });
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('fits on a dataset split streamed in batches, matching an in-memory fit of the same rows', async () => {
    const count = 2000;
    await datasets.commit('houses', {
      id: Int32Array.from({ length: count }, (_, index) => index),
      area: Float64Array.from({ length: count }, (_, index) => 50 + (index % 97)),
      zone: Array.from({ length: count }, (_, index) => `z${index % 4}`),
    });
    const { train } = datasets
      .dataset('houses')
      .split({ key: 'id', fractions: { train: 0.5, test: 0.5 } });
    const streamed = await fitFeatures(train!, { area: 'standardize', zone: 'oneHot' });
    const trainRows = await train!.rows();
    const memory = FeatureTransform.fit(trainRows, { area: 'standardize', zone: 'oneHot' });
    const [a, b] = [streamed.features[0], memory.features[0]];
    expect(a?.kind === 'standardize' && b?.kind === 'standardize').toBe(true);
    if (a?.kind === 'standardize' && b?.kind === 'standardize') {
      expect(a.mean).toBeCloseTo(b.mean, 9);
      expect(a.std).toBeCloseTo(b.std, 9);
    }
    expect(streamed.features[1]).toEqual(memory.features[1]);
  });
});
