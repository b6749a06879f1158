import { parseOptions } from '@mlinfra/core';
import { z } from 'zod';

const range = z.strictObject({
  /** Smallest value. */
  min: z.number(),
  /** Largest value. */
  max: z.number(),
  /** `log` samples evenly in log space (learning rates). Default `linear`. */
  scale: z.enum(['linear', 'log']).default('linear'),
  /** Round to whole numbers (units, batch sizes). Default false. */
  integer: z.boolean().default(false),
});

/** A hyperparameter sweep (`mlinfra sweep`, `mlinfra deploy sweep`), as JSON. */
export const sweepConfigSchema = z
  .strictObject({
    /** Sweep name: tags every trial's run (`sweep`), and names their checkpoints. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ - only'),
    /** The base training config (as `mlinfra train` takes it), inline or a path relative to the sweep file. */
    train: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    /** `grid` tries every combination of the listed values; `random` samples `trials` of them. Default grid. */
    search: z.enum(['grid', 'random']).default('grid'),
    /** Number of trials (random search only; a grid has one per combination). */
    trials: z.number().int().positive().max(10_000).optional(),
    /** Seed of the random search. Default 0. */
    seed: z.number().int().nonnegative().default(0),
    /**
     * Training config fields to vary, by dotted path (`learningRate`, `model.hidden`): a list of
     * values, or (random search) a range `{ min, max, scale?, integer? }`.
     */
    parameters: z
      .record(z.string().min(1), z.union([z.array(z.unknown()).min(1), range]))
      .refine((value) => Object.keys(value).length > 0, 'give at least one parameter'),
    /** How the best trial is chosen: a run metric (its latest value) and its direction. */
    objective: z.strictObject({
      metric: z.string().min(1),
      mode: z.enum(['min', 'max']),
    }),
  })
  .superRefine((value, context) => {
    if (value.search === 'grid') {
      for (const [path, spec] of Object.entries(value.parameters)) {
        if (!Array.isArray(spec)) {
          context.addIssue({
            code: 'custom',
            path: ['parameters', path],
            message: 'a grid search takes a list of values; use "search": "random" for ranges',
          });
        }
      }
    } else if (value.trials === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['trials'],
        message: 'a random search needs "trials"',
      });
    }
  });

/** A parsed sweep config. */
export type SweepConfig = z.output<typeof sweepConfigSchema>;

/** Parses a sweep config, naming every wrong field. @throws ValidationError. */
export function parseSweepConfig(value: unknown, file: string): SweepConfig {
  return parseOptions(sweepConfigSchema, value, `sweep config ${file}`);
}
