import { ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedRunTiming, optimalCheckpointInterval } from './checkpoint.js';

describe('optimalCheckpointInterval', () => {
  it("matches Young's formula computed by hand", () => {
    // sqrt(2 x 60 s x 3600 s) = sqrt(432000) = 657.267069...
    expect(optimalCheckpointInterval({ checkpointCostS: 60, mtbfS: 3600 })).toBeCloseTo(
      657.267069,
      5,
    );
    // A rate of 0.5 per hour is an MTBF of 7200 s: sqrt(2 x 30 x 7200) = sqrt(432000) again.
    expect(
      optimalCheckpointInterval({ checkpointCostS: 30, interruptionRatePerHour: 0.5 }),
    ).toBeCloseTo(657.267069, 5);
    // sqrt(2 x 10 x 100000) = sqrt(2e6) = 1414.2135...
    expect(optimalCheckpointInterval({ checkpointCostS: 10, mtbfS: 100_000 })).toBeCloseTo(
      1414.213562,
      5,
    );
  });

  it("matches Daly's higher-order formula computed by hand", () => {
    // x = 60 / 7200 = 1/120; 657.267069 x (1 + sqrt(x)/3 + x/9) - 60 = 617.875650
    expect(
      optimalCheckpointInterval({ checkpointCostS: 60, mtbfS: 3600, method: 'daly' }),
    ).toBeCloseTo(617.87565, 4);
    // C >= 2M: checkpoint every MTBF.
    expect(optimalCheckpointInterval({ checkpointCostS: 100, mtbfS: 40, method: 'daly' })).toBe(40);
  });

  it('never checkpoints for preemptions at a zero rate, and validates its input', () => {
    expect(optimalCheckpointInterval({ checkpointCostS: 60, interruptionRatePerHour: 0 })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => optimalCheckpointInterval({ checkpointCostS: 0, mtbfS: 10 })).toThrow(
      ValidationError,
    );
    expect(() => optimalCheckpointInterval({ checkpointCostS: 1 })).toThrow(
      /exactly one of mtbfS or interruptionRatePerHour/,
    );
  });

  it("Young's interval minimises the first-order expected run time", () => {
    const work = 100 * 3600;
    const rate = 1 / 3600;
    const best = optimalCheckpointInterval({ checkpointCostS: 60, mtbfS: 3600 });
    const at = (interval: number) => expectedRunTiming(work, interval, 60, rate, 0).wallSeconds;
    expect(at(best)).toBeLessThan(at(best / 2));
    expect(at(best)).toBeLessThan(at(best * 2));
  });
});

describe('expectedRunTiming', () => {
  it('is work plus checkpoints when nothing is preempted', () => {
    const timing = expectedRunTiming(6000, 600, 60, 0, 300);
    expect(timing).toMatchObject({
      wallSeconds: 6540,
      checkpoints: 9,
      checkpointOverheadSeconds: 540,
      expectedPreemptions: 0,
      lostWorkSeconds: 0,
    });
  });

  it('adds up: wall time = compute + checkpoints + lost work + restarts', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 900, noNaN: true }),
        (work, interval, cost, ratePerHour, restart) => {
          const timing = expectedRunTiming(work, interval, cost, ratePerHour / 3600, restart);
          fc.pre(Number.isFinite(timing.wallSeconds) && timing.wallSeconds < 1e12);
          const parts =
            timing.computeSeconds +
            timing.checkpointOverheadSeconds +
            timing.lostWorkSeconds +
            timing.restartOverheadSeconds;
          expect(Math.abs(timing.wallSeconds - parts)).toBeLessThanOrEqual(
            1e-6 * timing.wallSeconds,
          );
          expect(timing.lostWorkSeconds).toBeGreaterThanOrEqual(-1e-9 * timing.wallSeconds);
          expect(timing.wallSeconds).toBeGreaterThanOrEqual(work * (1 - 1e-12));
        },
      ),
    );
  });

  it('agrees with a seeded Monte Carlo simulation of preemptions', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed + 0.5) / 2147483648;
    };
    const work = 6000;
    const interval = 600;
    const cost = 60;
    const rate = 0.5 / 3600;
    const restart = 300;
    const runs = 20_000;
    let total = 0;
    for (let run = 0; run < runs; run++) {
      let done = 0;
      let time = 0;
      while (done < work) {
        const chunk = Math.min(interval, work - done);
        const length = chunk + (done + chunk < work ? cost : 0);
        const failure = -Math.log(random()) / rate;
        if (failure >= length) {
          time += length;
          done += chunk;
        } else {
          time += failure + restart;
        }
      }
      total += time;
    }
    const simulated = total / runs;
    const expected = expectedRunTiming(work, interval, cost, rate, restart).wallSeconds;
    expect(Math.abs(simulated - expected) / expected).toBeLessThan(0.01);
  });
});
