import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { cosineDecay, stepDecay, warmup } from './schedules.js';

describe('learning-rate schedules', () => {
  it('stepDecay drops by factor every n epochs or steps', () => {
    const byEpoch = stepDecay({ initial: 0.1, every: 2, factor: 0.5 });
    expect([0, 1, 2, 3, 4].map((epoch) => byEpoch(999, epoch))).toEqual([
      0.1, 0.1, 0.05, 0.05, 0.025,
    ]);
    const byStep = stepDecay({ initial: 1, every: 10, unit: 'step' });
    expect(byStep(9, 0)).toBe(1);
    expect(byStep(10, 0)).toBeCloseTo(0.1, 15);
  });

  it('cosineDecay goes from initial to initial*alpha over decaySteps, then stays', () => {
    const schedule = cosineDecay({ initial: 1, decaySteps: 100, alpha: 0.1 });
    expect(schedule(0, 0)).toBe(1);
    expect(schedule(50, 0)).toBeCloseTo(0.55, 12);
    expect(schedule(100, 0)).toBeCloseTo(0.1, 12);
    expect(schedule(500, 0)).toBeCloseTo(0.1, 12);
  });

  it('warmup ramps linearly into the following schedule', () => {
    const schedule = warmup({ steps: 4, after: cosineDecay({ initial: 0.2, decaySteps: 10 }) });
    expect([0, 1, 2, 3].map((step) => schedule(step, 0))).toEqual([
      0.05, 0.1, 0.15000000000000002, 0.2,
    ]);
    expect(schedule(4, 0)).toBe(0.2);
    expect(schedule(9, 0)).toBeCloseTo(0.1, 12);
    expect(warmup({ steps: 2, after: 0.5, startFactor: 0.5 })(0, 0)).toBe(0.375);
  });

  it('rejects non-positive settings', () => {
    expect(() => stepDecay({ initial: 0, every: 1 })).toThrow(ValidationError);
    expect(() => cosineDecay({ initial: 1, decaySteps: 10, alpha: 2 })).toThrow(/alpha must be in/);
  });
});
