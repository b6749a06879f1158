import { describe, expect, it } from 'vitest';
import { money } from '../money/money.js';
import { estimateServing } from './serving.js';

describe('estimateServing', () => {
  it('computes replicas, cost per hour and per 1,000 predictions by hand', () => {
    const estimate = estimateServing({
      throughputPerReplica: 40,
      targetQps: 100,
      instance: 'g4dn.xlarge',
      region: 'us-east-1',
    });
    // ceil(100 / 40) = 3 replicas x 0.526 USD/h = 1.578 USD/h; 360,000 predictions/h -> 0.004383 USD per 1,000.
    expect(estimate.replicas).toBe(3);
    expect(estimate.instances).toBe(3);
    expect(estimate.costPerHour).toEqual({ micros: 1_578_000, currency: 'USD' });
    expect(estimate.costPer1000Predictions).toEqual({ micros: 4383, currency: 'USD' });
    expect(estimate.costPerMillionPredictions.micros).toBe(4_383_333);
    expect(estimate.costPerMonth.micros).toBe(1_578_000 * 730);
    expect(estimate.utilization).toBeCloseTo(100 / 120, 10);
  });

  it('plans headroom, packs replicas per instance and honours a minimum', () => {
    const estimate = estimateServing({
      throughputPerReplica: 100,
      targetQps: 100,
      targetUtilization: 0.5,
      replicasPerInstance: 4,
      minReplicas: 1,
      instance: 'g5.12xlarge',
      pricePerHour: money(5, 'USD'),
    });
    expect(estimate).toMatchObject({
      replicas: 2,
      instances: 1,
      costPerHour: { micros: 5_000_000 },
    });
    expect(
      estimateServing({
        throughputPerReplica: 1000,
        targetQps: 1,
        minReplicas: 2,
        instance: 'm6i.large',
      }).replicas,
    ).toBe(2);
    expect(
      estimateServing({ throughputPerReplica: 10, targetQps: 100, instance: 'm6i.large' }).replicas,
    ).toBe(10);
  });

  it('prices spot capacity when asked', () => {
    const spot = estimateServing({
      throughputPerReplica: 10,
      targetQps: 10,
      instance: 'g4dn.xlarge',
      region: 'us-east-1',
      spot: true,
    });
    expect(spot.pricePerHour.micros).toBe(210_000);
    expect(spot.spot).toBe(true);
  });
});
