import { ValidationError } from '@mlinfra/core';

/**
 * A learning-rate schedule: the rate for a global step (from 0) and epoch. Pure, so a resumed run
 * gets the same rates without saving anything.
 */
export type LearningRateSchedule = (step: number, epoch: number) => number;

function positive(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new ValidationError(`${what} must be a positive number, got ${value}`);
  return value;
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** Starting learning rate. */
  initial: number;
  /** Multiply by `factor` every this many epochs (or steps with `unit: 'step'`). */
  every: number;
  /** Factor per drop. Default 0.1. */
  factor?: number;
  /** Count `every` in epochs or steps. Default `'epoch'`. */
  unit?: 'epoch' | 'step';
}

/** `initial * factor ^ floor(t / every)` (Keras-style step decay). */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  const initial = positive(options.initial, 'stepDecay initial');
  const every = positive(options.every, 'stepDecay every');
  const factor = options.factor ?? 0.1;
  if (!(factor > 0 && factor <= 1))
    throw new ValidationError(`stepDecay factor must be in (0, 1], got ${factor}`);
  const byStep = options.unit === 'step';
  return (step, epoch) => initial * factor ** Math.floor((byStep ? step : epoch) / every);
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Starting learning rate. */
  initial: number;
  /** Steps over which to decay. */
  decaySteps: number;
  /** Final rate as a fraction of `initial`. Default 0. */
  alpha?: number;
}

/** Cosine decay from `initial` to `initial * alpha` over `decaySteps` steps, then flat. */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const initial = positive(options.initial, 'cosineDecay initial');
  const steps = positive(options.decaySteps, 'cosineDecay decaySteps');
  const alpha = options.alpha ?? 0;
  if (!(alpha >= 0 && alpha <= 1))
    throw new ValidationError(`cosineDecay alpha must be in [0, 1], got ${alpha}`);
  return (step) => {
    const progress = Math.min(step, steps) / steps;
    return initial * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha);
  };
}

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** Steps of linear warm-up. */
  steps: number;
  /** The schedule (or constant rate) reached after warm-up; it sees steps counted from the end of warm-up. */
  after: LearningRateSchedule | number;
  /** Rate at step 0 as a fraction of the target. Default 0. */
  startFactor?: number;
}

/** Linear warm-up over `steps` steps into `then`. */
export function warmup(options: WarmupOptions): LearningRateSchedule {
  const steps = positive(options.steps, 'warmup steps');
  const start = options.startFactor ?? 0;
  const after: LearningRateSchedule =
    typeof options.after === 'number' ? () => options.after as number : options.after;
  return (step, epoch) => {
    if (step >= steps) return after(step - steps, epoch);
    const target = after(0, epoch);
    return target * (start + ((1 - start) * (step + 1)) / steps);
  };
}
