import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { money } from '../money/money.js';
import { cheapest } from './cheapest.js';

describe('cheapest', () => {
  it('ranks instance types and regions by expected cost, keeping only those that fit the hardware', () => {
    const report = cheapest({ flops: 1e21, gpuMemoryGiB: 40, gpus: 8 });
    expect(report.options.length).toBeGreaterThan(3);
    for (const option of report.options) {
      expect(option.entry.acceleratorCount).toBeGreaterThanOrEqual(8);
      expect(option.entry.acceleratorMemoryGiB).toBeGreaterThanOrEqual(40);
      expect(option.spot).toBe(false);
    }
    const costs = report.options.map((option) => option.cost.micros);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    // With FLOP-based work the ranking is by price per peak FLOP/s: price / (count x peak TFLOP/s).
    const perFlop = (option: (typeof report.options)[number]) =>
      option.pricePerHour.micros /
      (option.entry.acceleratorCount *
        (option.entry.acceleratorName === 'H100'
          ? 989
          : option.entry.acceleratorName === 'V100'
            ? 125
            : 312));
    const best = Math.min(...report.options.map(perFlop));
    expect(perFlop(report.options[0]!)).toBe(best);
    // 1e21 FLOPs at 40% of 8 x 312 TFLOP/s take 1e21 / 998.4e12 s.
    const a100 = report.options.find((option) => option.entry.instanceType === 'p4d.24xlarge')!;
    expect(a100.wallSeconds).toBeCloseTo(1e21 / (8 * 312e12 * 0.4), 3);
  });

  it('drops options that miss the deadline and counts them', () => {
    const all = cheapest({ samples: 3.6e6, throughput: 100, gpus: 1, providers: ['aws'] });
    const fast = cheapest({
      samples: 3.6e6,
      throughput: 100,
      gpus: 1,
      providers: ['aws'],
      deadlineHours: 2.5,
    });
    // 100 samples/s per GPU: 10 h on one GPU, 2.5 h on four, 1.25 h on eight.
    expect(fast.options.every((option) => option.entry.acceleratorCount >= 4)).toBe(true);
    expect(fast.missedDeadline).toBeGreaterThan(0);
    expect(fast.options.length + fast.missedDeadline).toBe(all.options.length);
  });

  it('compares spot against on-demand including preemptions', () => {
    const report = cheapest({
      samples: 1e6,
      throughput: { T4: 50, A10G: 120 },
      spot: { interruptionRatePerHour: 0.2, restartOverheadS: 120 },
      checkpointCostS: 30,
      regions: ['us-east-1'],
    });
    expect(report.unknownThroughput).toBeGreaterThan(0);
    expect(report.options[0]!.spot).toBe(true);
    expect(report.options.some((option) => !option.spot)).toBe(true);
    expect(new Set(report.options.map((option) => option.entry.acceleratorName))).toEqual(
      new Set(['T4', 'A10G']),
    );
  });

  it('uses a user catalog and a throughput function', () => {
    const catalog = createCatalog(
      [
        {
          provider: 'lab',
          instanceType: 'slow',
          region: 'r',
          vcpus: 8,
          memoryGiB: 64,
          acceleratorName: 'X',
          acceleratorCount: 1,
          acceleratorMemoryGiB: 24,
          price: money(1, 'EUR'),
        },
        {
          provider: 'lab',
          instanceType: 'fast',
          region: 'r',
          vcpus: 8,
          memoryGiB: 64,
          acceleratorName: 'Y',
          acceleratorCount: 1,
          acceleratorMemoryGiB: 24,
          price: money(3, 'EUR'),
        },
      ],
      { name: 'lab', asOf: '2026-01-01', currency: 'EUR', sources: [], notes: '' },
    );
    const report = cheapest({
      samples: 3600,
      throughput: (entry) => (entry.instanceType === 'fast' ? 4 : 1),
      catalog,
    });
    // slow: 1 h x 1 EUR; fast: 0.25 h x 3 EUR = 0.75 EUR.
    expect(report.options.map((option) => [option.entry.instanceType, option.cost.micros])).toEqual(
      [
        ['fast', 750_000],
        ['slow', 1_000_000],
      ],
    );
    expect(report.currency).toBe('EUR');
  });

  it('skips accelerator-only rows, whose price lacks the host VM', () => {
    const catalog = createCatalog(
      [
        {
          provider: 'gcp',
          instanceType: 'A100:1',
          region: 'r',
          vcpus: 0,
          memoryGiB: 0,
          acceleratorName: 'A100',
          acceleratorCount: 1,
          price: money('2.93', 'USD'),
        },
        {
          provider: 'gcp',
          instanceType: 'a2-highgpu-1g',
          region: 'r',
          vcpus: 12,
          memoryGiB: 85,
          acceleratorName: 'A100',
          acceleratorCount: 1,
          price: money('3.67', 'USD'),
        },
      ],
      { name: 'gcp', asOf: '2026-01-01', currency: 'USD', sources: [], notes: '' },
    );
    const report = cheapest({ flops: 1e18, catalog });
    expect(report.options.map((option) => option.entry.instanceType)).toEqual(['a2-highgpu-1g']);
  });

  it('rejects inputs that leave nothing to rank', () => {
    expect(() => cheapest({ gpus: 1 })).toThrow(ValidationError);
    expect(() => cheapest({ flops: 1, onDemand: false })).toThrow(/pass spot/);
  });
});
