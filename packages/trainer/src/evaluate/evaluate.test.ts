import { readFileSync } from 'node:fs';
import { ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/backend.js';
import { evaluate, registryMetrics } from './evaluate.js';
import { rocAuc } from './metrics.js';

// Reference values from NumPy/SciPy (scipy.stats.mannwhitneyu for AUC): __fixtures__/make-metrics-reference.py.
const reference = JSON.parse(
  readFileSync(new URL('./__fixtures__/metrics-reference.json', import.meta.url), 'utf8'),
) as {
  binary: {
    labels: number[];
    probabilities: number[];
    region: string[];
    overall: Record<string, number>;
    slices: Record<string, Record<string, number>>;
  };
  multiclass: { labels: number[]; probabilities: number[][]; overall: Record<string, number> };
  regression: { labels: number[]; predictions: number[]; overall: Record<string, number> };
};

/** A model whose output is its input, so evaluate sees exactly the reference predictions. */
function identity(width: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      units: width,
      inputShape: [width],
      useBias: false,
      kernelInitializer: 'identity',
    }),
  );
  return model;
}

function expectClose(actual: Record<string, number>, expected: Record<string, number>): void {
  for (const [name, value] of Object.entries(expected)) {
    expect(actual[name], name).toBeCloseTo(value, 10);
  }
}

describe('evaluate', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('matches NumPy/SciPy on binary classification overall and per slice (ties in scores)', async () => {
    const { labels, probabilities, region } = reference.binary;
    const report = await evaluate(
      identity(1),
      { x: probabilities, y: labels, columns: { region } },
      { slices: ['region'], batchSize: 7 },
    );
    expect(report.task).toBe('binary');
    expectClose(report.overall, reference.binary.overall);
    expect(Object.keys(report.slices.region ?? {})).toEqual(['apac', 'eu', 'us']);
    for (const [value, expected] of Object.entries(reference.binary.slices)) {
      expectClose(report.slices.region?.[value] ?? {}, expected);
    }
    const flat = registryMetrics(report);
    expect(Object.keys(flat.slices)).toEqual(['region=apac', 'region=eu', 'region=us']);
    expect(flat.metrics.rocAuc).toBe(report.overall.rocAuc);
    const oneClass = await evaluate(identity(1), { x: [0.2, 0.7], y: [1, 1] });
    expect(Number.isNaN(oneClass.overall.rocAuc)).toBe(true);
    expect(registryMetrics(oneClass).metrics).not.toHaveProperty('rocAuc');
  });

  it('matches NumPy/SciPy on multiclass (macro averages, one-vs-rest AUC) with integer labels', async () => {
    const { labels, probabilities } = reference.multiclass;
    const report = await evaluate(identity(3), { x: probabilities, y: labels });
    expect(report.task).toBe('multiclass');
    expectClose(report.overall, reference.multiclass.overall);
    const oneHot = labels.map((label) => [0, 1, 2].map((cls) => (cls === label ? 1 : 0)));
    const fromOneHot = await evaluate(identity(3), { x: probabilities, y: oneHot });
    expectClose(fromOneHot.overall, reference.multiclass.overall);
  });

  it('matches NumPy on regression and rejects classification metrics for it', async () => {
    const { labels, predictions } = reference.regression;
    const report = await evaluate(identity(1), { x: predictions, y: labels });
    expect(report.task).toBe('regression');
    expectClose(report.overall, reference.regression.overall);
    await expect(
      evaluate(identity(1), { x: predictions, y: labels }, { metrics: ['accuracy'] }),
    ).rejects.toSatisfy(
      (error) => ValidationError.isInstance(error) && /regression/.test((error as Error).message),
    );
    await expect(
      evaluate(identity(1), { x: predictions, y: labels }, { slices: ['nope'] }),
    ).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) && /Slice column "nope"/.test((error as Error).message),
    );
  });

  it('rocAuc equals the share of correctly ordered positive/negative pairs (ties count half)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })), {
          minLength: 2,
          maxLength: 40,
        }),
        (pairs) => {
          const positive = pairs.map(([label]) => label);
          const scores = pairs.map(([, score]) => score / 5);
          let wins = 0;
          let total = 0;
          pairs.forEach(([isPositive, a]) => {
            if (!isPositive) return;
            pairs.forEach(([isOther, b]) => {
              if (isOther) return;
              total++;
              wins += a > b ? 1 : a === b ? 0.5 : 0;
            });
          });
          const auc = rocAuc(positive, scores);
          if (total === 0) expect(Number.isNaN(auc)).toBe(true);
          else expect(auc).toBeCloseTo(wins / total, 12);
        },
      ),
    );
  });
});
