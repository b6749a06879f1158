import { NotFoundError, ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { money } from '../money/money.js';
import { estimateTraining } from './training.js';

describe('estimateTraining', () => {
  it('prices an on-demand run by hand: 3 x 1e6 samples at 500/s on a p3.2xlarge', () => {
    const estimate = estimateTraining({
      samples: 1_000_000,
      epochs: 3,
      throughput: 500,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
    });
    // 6000 s x 3.06 USD/h = 5.10 USD
    expect(estimate.computeSeconds).toBe(6000);
    expect(estimate.onDemand).toMatchObject({
      wallSeconds: 6000,
      cost: { micros: 5_100_000, currency: 'USD' },
    });
    expect(estimate.spot).toBeUndefined();
    expect(estimate.cheapest).toBe('on-demand');
  });

  it('prices spot with preemptions, checkpoints and restarts by hand', () => {
    const estimate = estimateTraining({
      samples: 1_000_000,
      epochs: 3,
      throughput: 500,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
      spot: { interruptionRatePerHour: 0.1, restartOverheadS: 300 },
      checkpointIntervalS: 600,
      checkpointCostS: 60,
    });
    // On demand: 6000 s + 9 checkpoints x 60 s = 6540 s x 3.06/h = 5.559 USD.
    expect(estimate.onDemand?.cost.micros).toBe(5_559_000);
    // Spot: 9 x expm1(l x 660)(1/l + 300) + expm1(l x 600)(1/l + 300), l = 0.1/3600 -> 6654.8106 s x 0.92/h.
    expect(estimate.spot?.wallSeconds).toBeCloseTo(6654.810609, 4);
    expect(estimate.spot?.expectedPreemptions).toBeCloseTo(0.183328116, 6);
    expect(estimate.spot?.cost.micros).toBe(1_700_674);
    expect(estimate.cheapest).toBe('spot');
  });

  it("checkpoints spot runs at Young's optimum by default", () => {
    const estimate = estimateTraining({
      samples: 1e6,
      throughput: 100,
      instance: 'g5.xlarge',
      spot: { interruptionRatePerHour: 1 },
      checkpointCostS: 60,
    });
    expect(estimate.spot?.checkpointIntervalS).toBeCloseTo(657.267069, 5);
    expect(estimate.onDemand?.checkpointIntervalS).toBe(estimate.spot?.checkpointIntervalS);
  });

  it('turns FLOPs into time with datasheet peak and utilization', () => {
    // 8 x A100 x 312 TFLOP/s x 0.5 = 1248 TFLOP/s; 1248e12 x 3600 FLOPs take one hour.
    const estimate = estimateTraining({
      flops: 1248e12 * 3600,
      utilization: 0.5,
      instance: 'p4d.24xlarge',
    });
    expect(estimate.computeSeconds).toBeCloseTo(3600, 6);
    expect(estimate.onDemand?.cost.micros).toBe(32_772_600);
  });

  it('scales cost and interruption rate with the number of instances', () => {
    const one = estimateTraining({
      samples: 1e6,
      throughput: 1000,
      instance: 'p4d.24xlarge',
      spot: { interruptionRatePerHour: 0.2 },
    });
    const two = estimateTraining({
      samples: 1e6,
      throughput: 1000,
      instance: 'p4d.24xlarge',
      instances: 2,
      spot: { interruptionRatePerHour: 0.2 },
    });
    expect(two.onDemand!.cost.micros).toBe(2 * one.onDemand!.cost.micros);
    expect(two.spot!.expectedPreemptions).toBeGreaterThan(one.spot!.expectedPreemptions);
  });

  it('with a zero interruption rate, spot never costs more than on-demand at a lower price', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e8 }),
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.double({ min: 1, max: 1e5, noNaN: true }), { nil: undefined }),
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.double({ min: 0, max: 3600, noNaN: true }),
        (
          samples,
          throughput,
          priceMicros,
          discount,
          interval,
          checkpointCostS,
          restartOverheadS,
        ) => {
          const estimate = estimateTraining({
            samples,
            throughput,
            instance: 'p3.2xlarge',
            pricePerHour: { micros: priceMicros, currency: 'USD' },
            spotPricePerHour: { micros: Math.floor(priceMicros * discount), currency: 'USD' },
            spot: { interruptionRatePerHour: 0, restartOverheadS },
            checkpointCostS,
            ...(interval === undefined ? {} : { checkpointIntervalS: interval }),
          });
          expect(estimate.spot!.cost.micros).toBeLessThanOrEqual(estimate.onDemand!.cost.micros);
          expect(estimate.spot!.lostWorkSeconds).toBe(0);
        },
      ),
    );
  });

  it('spot gets more expensive as preemptions get more frequent', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (rate, extra) => {
          const at = (interruptionRatePerHour: number) =>
            estimateTraining({
              samples: 1e6,
              throughput: 200,
              instance: 'g5.xlarge',
              spot: { interruptionRatePerHour },
              checkpointIntervalS: 900,
              checkpointCostS: 30,
            }).spot!.wallSeconds;
          expect(at(rate + extra)).toBeGreaterThan(at(rate));
        },
      ),
    );
  });

  it('rejects ambiguous work, unknown instances and bad numbers with the fix named', () => {
    expect(() =>
      estimateTraining({ samples: 1, throughput: 1, flops: 1, instance: 'p3.2xlarge' }),
    ).toThrow(/either throughput/);
    expect(() => estimateTraining({ throughput: 1, instance: 'p3.2xlarge' })).toThrow(
      /needs samples/,
    );
    expect(() => estimateTraining({ samples: 1, throughput: -1, instance: 'p3.2xlarge' })).toThrow(
      ValidationError,
    );
    expect(() => estimateTraining({ samples: 1, throughput: 1, instance: 'p9.huge' })).toThrow(
      NotFoundError,
    );
    expect(() => estimateTraining({ flops: 1e18, instance: 'c6i.xlarge' })).toThrow(
      /give throughput/,
    );
    expect(() =>
      estimateTraining({
        samples: 1,
        throughput: 1,
        instance: 'p3.2xlarge',
        pricePerHour: money(1, 'EUR'),
        spotPricePerHour: money(1, 'USD'),
      }),
    ).toThrow(/one currency/);
  });

  it('says so when spot is asked for an instance without a spot price', () => {
    const entry = {
      provider: 'x',
      instanceType: 'od-only',
      region: 'r',
      vcpus: 4,
      memoryGiB: 16,
      acceleratorCount: 0,
      price: money(1, 'USD'),
    };
    expect(() =>
      estimateTraining({
        samples: 10,
        throughput: 1,
        instance: entry,
        spot: { interruptionRatePerHour: 0.1 },
      }),
    ).toThrow(/no spot price in the catalog; pass spotPricePerHour/);
    expect(
      estimateTraining({
        samples: 3600,
        throughput: 1,
        instance: entry,
        spot: { interruptionRatePerHour: 0 },
        spotPricePerHour: money('0.5', 'USD'),
      }).spot?.cost.micros,
    ).toBe(500_000);
  });

  it('reports an unbounded run instead of a wrong number when preemptions outpace segments', () => {
    expect(() =>
      estimateTraining({
        samples: 1e9,
        throughput: 1,
        instance: 'g5.xlarge',
        spot: { interruptionRatePerHour: 10 },
        checkpointIntervalS: Number.POSITIVE_INFINITY,
      }),
    ).toThrow(/checkpoint more often/);
  });
});
