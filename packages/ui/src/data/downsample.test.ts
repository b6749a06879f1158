import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from './downsample.js';

function series(values: number[]) {
  return {
    steps: Float64Array.from(values.map((_, index) => index)),
    values: Float64Array.from(values),
  };
}

describe('downsampleMinMax', () => {
  it('returns every point when the range holds no more than maxPoints', () => {
    const { steps, values } = series([3, 1, 2]);
    const out = downsampleMinMax(steps, values, 3, 10);
    expect(out).toEqual({
      steps: [0, 1, 2],
      values: [3, 1, 2],
      total: 3,
      inRange: 3,
      downsampled: false,
    });
  });

  it('keeps the minimum and maximum of every bucket, within maxPoints', () => {
    const raw = Array.from({ length: 100_000 }, (_, index) => Math.sin(index / 1000));
    raw[31_337] = 50;
    raw[77_777] = -50;
    const { steps, values } = series(raw);
    const out = downsampleMinMax(steps, values, raw.length, 1000);
    expect(out.downsampled).toBe(true);
    expect(out.steps.length).toBeLessThanOrEqual(1000);
    expect(out.steps.length).toBeGreaterThan(900);
    expect(out.values).toContain(50);
    expect(out.values).toContain(-50);
    expect(out.steps).toContain(31_337);
    // Steps stay in order, so the line is drawn left to right.
    for (let index = 1; index < out.steps.length; index++) {
      expect(out.steps[index]!).toBeGreaterThan(out.steps[index - 1]!);
    }
  });

  it('keeps NaN and infinities as gaps (null), never as a bucket minimum or maximum', () => {
    const raw = Array.from({ length: 10_000 }, (_, index) =>
      index % 7 === 0 ? Number.NaN : index,
    );
    raw[5000] = Number.POSITIVE_INFINITY;
    const { steps, values } = series(raw);
    const out = downsampleMinMax(steps, values, raw.length, 200);
    expect(Math.max(...out.values.filter((value): value is number => value !== null))).toBe(9999);
    const exact = downsampleMinMax(steps, values, 10, 100);
    expect(exact.values[0]).toBeNull();
  });

  it('reduces only the requested step range (zoom)', () => {
    const raw = Array.from({ length: 50_000 }, (_, index) => index % 100);
    const { steps, values } = series(raw);
    const out = downsampleMinMax(steps, values, raw.length, 400, 1000, 1199);
    expect(out.inRange).toBe(200);
    expect(out.downsampled).toBe(false);
    expect(out.steps[0]).toBe(1000);
    expect(out.steps.at(-1)).toBe(1199);
  });
});
