import { parseOptions } from '@mlinfra/core';
import { z } from 'zod';

/**
 * A learning-rate schedule: the rate for a global step (from 0) and epoch. Pure, so a resumed run
 * gets the same rates without saving anything.
 */
export type LearningRateSchedule = (step: number, epoch: number) => number;

const positive = z.number().positive().finite();

const stepDecayShape = {
  /** Starting learning rate. */
  initial: positive,
  /** Multiply by `factor` every this many epochs (or steps with `unit: 'step'`). */
  every: positive,
  /** Factor per drop, in (0, 1]. Default 0.1. */
  factor: z.number().gt(0).max(1).optional(),
  /** Count `every` in epochs or steps. Default `'epoch'`. */
  unit: z.enum(['epoch', 'step']).optional(),
};

const stepDecaySchema: z.ZodObject<typeof stepDecayShape, z.core.$strict> =
  z.strictObject(stepDecayShape);

/** Options of {@link stepDecay}. */
export type StepDecayOptions = z.input<typeof stepDecaySchema>;

/** `initial * factor ^ floor(t / every)` (Keras-style step decay). */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  const {
    initial,
    every,
    factor = 0.1,
    unit,
  } = parseOptions(stepDecaySchema, options, 'stepDecay options');
  const byStep = unit === 'step';
  return (step, epoch) => initial * factor ** Math.floor((byStep ? step : epoch) / every);
}

const cosineDecayShape = {
  /** Starting learning rate. */
  initial: positive,
  /** Steps over which to decay. */
  decaySteps: positive,
  /** Final rate as a fraction of `initial`, in [0, 1]. Default 0. */
  alpha: z
    .number()
    .min(0, 'cosineDecay alpha must be in [0, 1]')
    .max(1, 'cosineDecay alpha must be in [0, 1]')
    .optional(),
};

const cosineDecaySchema: z.ZodObject<typeof cosineDecayShape, z.core.$strict> =
  z.strictObject(cosineDecayShape);

/** Options of {@link cosineDecay}. */
export type CosineDecayOptions = z.input<typeof cosineDecaySchema>;

/** Cosine decay from `initial` to `initial * alpha` over `decaySteps` steps, then flat. */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const {
    initial,
    decaySteps: steps,
    alpha = 0,
  } = parseOptions(cosineDecaySchema, options, 'cosineDecay options');
  return (step) => {
    const progress = Math.min(step, steps) / steps;
    return initial * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * progress)) + alpha);
  };
}

const warmupShape = {
  /** Steps of linear warm-up. */
  steps: positive,
  /** The schedule (or constant rate) reached after warm-up; it sees steps counted from the end of warm-up. */
  after: z.union([
    positive,
    z.custom<LearningRateSchedule>(
      (value) => typeof value === 'function',
      'a schedule (step, epoch) => rate or a number',
    ),
  ]),
  /** Rate at step 0 as a fraction of the target, in [0, 1]. Default 0. */
  startFactor: z.number().min(0).max(1).optional(),
};

const warmupSchema: z.ZodObject<typeof warmupShape, z.core.$strict> = z.strictObject(warmupShape);

/** Options of {@link warmup}. */
export type WarmupOptions = z.input<typeof warmupSchema>;

/** Linear warm-up over `steps` steps into `then`. */
export function warmup(options: WarmupOptions): LearningRateSchedule {
  const {
    steps,
    after: target,
    startFactor: start = 0,
  } = parseOptions(warmupSchema, options, 'warmup options');
  const after: LearningRateSchedule = typeof target === 'number' ? () => target : target;
  return (step, epoch) => {
    if (step >= steps) return after(step - steps, epoch);
    const rate = after(0, epoch);
    return rate * (start + ((1 - start) * (step + 1)) / steps);
  };
}
