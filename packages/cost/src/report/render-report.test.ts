import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { allocateCosts } from '../allocation/allocate.js';
import { cheapest } from '../estimate/cheapest.js';
import { estimateServing } from '../estimate/serving.js';
import { estimateTraining } from '../estimate/training.js';
import { money } from '../money/money.js';
import { type CostReport, renderReport } from './render-report.js';

const allocation = allocateCosts({
  records: [
    {
      start: '2026-03-01T00:00:00Z',
      end: '2026-03-01T01:00:00Z',
      resource: 'gpu',
      requested: 2,
      labels: { team: 'vision' },
    },
    {
      start: '2026-03-01T00:00:00Z',
      end: '2026-03-01T00:30:00Z',
      resource: 'cpu',
      requested: 4,
      labels: { team: 'a|b' },
    },
  ],
  prices: { gpu: money(2, 'USD'), cpu: money('0.04', 'USD') },
  aggregate: 'team',
});

describe('renderReport', () => {
  it('renders an allocation as a terminal table with currency and totals', () => {
    const text = renderReport(allocation, 'table');
    expect(text).toContain(
      'Cost allocation by team (2026-03-01T00:00:00.000Z to 2026-03-01T01:00:00.000Z)',
    );
    expect(text).toMatch(
      /team=vision\s+-\s+4\.00 USD\s+0\.00 USD\s+0\.00 USD\s+4\.00 USD\s+98\.0%/,
    );
    expect(text).toMatch(/total .* 4\.08 USD\s+100\.0%/);
    expect(text).toContain('Amounts in USD.');
  });

  it('renders markdown with escaped cells and right-aligned numbers', () => {
    const markdown = renderReport(allocation, 'markdown');
    expect(markdown).toContain('### Cost allocation by team');
    expect(markdown).toContain('| group | cpu | gpu | shared | idle | total | share |');
    expect(markdown).toContain('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(markdown).toContain('| team=a\\|b |');
  });

  it('renders JSON with exact decimal amounts, micro-units and the currency', () => {
    const json = JSON.parse(renderReport(allocation, 'json'));
    expect(json.total).toEqual({ amount: '4.080000', micros: 4_080_000, currency: 'USD' });
    expect(json.window.start).toBe('2026-03-01T00:00:00.000Z');
    const training = JSON.parse(
      renderReport(estimateTraining({ samples: 10, throughput: 1, instance: 'g5.xlarge' }), 'json'),
    );
    expect(training.onDemand.checkpointIntervalS).toBe('Infinity');
  });

  it('renders every report kind', () => {
    const reports: CostReport[] = [
      estimateTraining({
        samples: 1e6,
        throughput: 100,
        instance: 'g5.xlarge',
        spot: { interruptionRatePerHour: 0.1 },
        checkpointCostS: 30,
      }),
      estimateServing({ throughputPerReplica: 50, targetQps: 120, instance: 'g4dn.xlarge' }),
      cheapest({ flops: 1e20, gpus: 8, limit: 3 }),
    ];
    const [training, serving, ranking] = reports.map((report) => renderReport(report));
    expect(training).toMatch(/on-demand\s+1\.006 USD/);
    expect(training).toMatch(/spot \*\s+0\.40 USD/);
    expect(serving).toMatch(/3\s+3\s+80\.0%\s+0\.526 USD\s+1\.578 USD/);
    expect(
      ranking!.split('\n').filter((line) => /^\s*\d+\s+(aws|gcp|azure)\s/.test(line)),
    ).toHaveLength(3);
  });

  it('rejects unknown formats and foreign objects', () => {
    expect(() => renderReport(allocation, 'html' as 'json')).toThrow(
      /use 'json', 'table' or 'markdown'/,
    );
    expect(() => renderReport({ kind: 'other' } as unknown as CostReport)).toThrow(ValidationError);
  });
});
