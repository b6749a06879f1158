import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatasets } from '@mlinfra/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearPredictor } from '../__fixtures__/predictors.js';
import { scoreDataset } from '../index.js';

describe('scoreDataset', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'serving-score-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes predictions of every row as a new dataset version, keeping id columns', async () => {
    const datasets = openDatasets({ store: folder });
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: `c${i}`, f0: i, f1: 1, f2: i % 3 }));
    await datasets.commit('customers', rows, { message: 'raw' });
    const version = await scoreDataset(linearPredictor(), datasets.dataset('customers'), {
      output: { datasets, name: 'customer-scores' },
      keepColumns: ['id'],
      batchSize: 128,
    });
    expect(version).toMatchObject({ message: 'scored by a predictor' });
    const scored = await datasets.dataset('customer-scores').rows();
    expect(scored).toHaveLength(1000);
    expect(scored[0]).toEqual({ id: 'c0', prediction: 2 });
    expect(scored[999]).toEqual({ id: 'c999', prediction: 999 + 2 + 3 * 0 });
    expect(scored.every((row, i) => row.prediction === i + 2 + 3 * (i % 3))).toBe(true);
  });

  it('uses "features" for a model without a transform and rejects bad options', async () => {
    const datasets = openDatasets({ store: folder });
    await datasets.commit('plain', [{ a: 1, b: 2, c: 3 }]);
    const { transform: _omit, ...noTransform } = linearPredictor();
    await scoreDataset(noTransform, datasets.dataset('plain'), {
      output: { datasets, name: 'plain-scores' },
      features: ['c', 'b', 'a'],
    });
    expect(await datasets.dataset('plain-scores').rows()).toEqual([{ prediction: 3 + 4 + 3 }]);
    await expect(
      scoreDataset(noTransform, datasets.dataset('plain'), { output: { datasets, name: 'x' } }),
    ).rejects.toThrow(/pass "features"/);
    await expect(
      scoreDataset(noTransform, datasets.dataset('plain'), {
        output: { datasets, name: 'x' },
        features: ['a'],
      }),
    ).rejects.toThrow(/3 values per row/);
    await expect(
      scoreDataset('churn@champion', datasets.dataset('plain'), {
        output: { datasets, name: 'x' },
      }),
    ).rejects.toThrow(/no "source"/);
  });
});
