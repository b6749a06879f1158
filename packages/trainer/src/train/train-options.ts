import { type Digest, isStore, type Store } from '@mlinfra/core';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { BACKEND_NAMES, type BackendName } from '../backend/backend.js';
import type { LearningRateSchedule } from '../callbacks/schedules.js';
import type { TrainingCallback } from '../callbacks/types.js';
import { METRIC_NAMES, type MetricName } from '../evaluate/metrics.js';
import type { TrainData } from './data.js';
import { classNamesSchema } from './data-checks.js';
import type { BudgetGuard, RunLogger } from './interfaces.js';
import { LOSS_NAMES } from './losses.js';
import { optimizerSchema } from './optimizer-options.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const budgetGuardSchema = z.custom<BudgetGuard>(
  (value) => isObject(value) && typeof value.charge === 'function',
  'an object with charge(deviceSeconds), or { guard, everySeconds }',
);

// Each options object is a named shape plus a schema annotated with it: declaration emit then keeps
// every field's TSDoc in the published .d.ts (an inline z.strictObject({...}) loses it).
const keepBestShape = {
  /** Epoch metric to rank by, such as `'val_loss'`. */
  monitor: z.string().min(1),
  /** Whether lower or higher is better. Default `'auto'` (max for accuracy-like names). */
  mode: z.enum(['min', 'max', 'auto']).optional(),
  /** Checkpoints kept. Default 1. */
  count: z.number().int().positive().optional(),
};

const keepBestSchema: z.ZodObject<typeof keepBestShape, z.core.$strict> =
  z.strictObject(keepBestShape);

const checkpointOptionsShape = {
  /** The core store (or its folder) that holds checkpoint blobs and the run's refs `trainer/<name>/...`. */
  store: z.custom<Store | string>(
    (value) => typeof value === 'string' || isStore(value),
    'a Store from createStore() or a folder path',
  ),
  /** Run name: checkpoints live under refs `trainer/<name>/`. Segments of [A-Za-z0-9._@+-] separated by `/`. */
  name: z.string().min(1),
  /** Also checkpoint every this many steps. Default: off. */
  everySteps: z.number().int().positive().optional(),
  /** Also checkpoint when this many seconds passed since the last one. Default 300 (600 steps of a tiny model cost < 1%). */
  everySeconds: z.number().positive().optional(),
  /** Recent checkpoints kept; older ones are deleted. Default 3. */
  keepLast: z.number().int().positive().optional(),
  /** Also keep the best `count` epoch-end checkpoints by an epoch metric. Default off. */
  keepBest: keepBestSchema.optional(),
};

/** Schema of {@link CheckpointOptions}. */
export const checkpointOptionsSchema: z.ZodObject<typeof checkpointOptionsShape, z.core.$strict> =
  z.strictObject(checkpointOptionsShape);

/** Where and how often checkpoints are written. */
export type CheckpointOptions = z.input<typeof checkpointOptionsSchema>;

const budgetCadenceShape = {
  /** The guard charged with device-seconds. */
  guard: budgetGuardSchema,
  /** Charge at most this often, in seconds of device time (and always at epoch ends). Default 10. */
  everySeconds: z.number().positive().optional(),
};

const budgetCadenceSchema: z.ZodObject<typeof budgetCadenceShape, z.core.$strict> =
  z.strictObject(budgetCadenceShape);

/** Schema of {@link BudgetOption}. */
export const budgetOptionSchema = z.union([budgetGuardSchema, budgetCadenceSchema]);

/** A budget guard, or one with its charging cadence. */
export type BudgetOption = z.input<typeof budgetOptionSchema>;

const trainDataShape = {
  /** Training data. */
  train: z.custom<TrainData>((value) => value !== undefined && value !== null, 'required'),
  /** Validation data, evaluated after each epoch. Default none. */
  validation: z
    .custom<TrainData>((value) => value !== undefined && value !== null, 'data or leave it out')
    .optional(),
};

const trainDataSchema: z.ZodObject<typeof trainDataShape, z.core.$strict> =
  z.strictObject(trainDataShape);

const trainOptionsShape = {
  /**
   * The model (one input, one output), or a function that builds it. The function runs with
   * `Math.random` seeded, so initial weights follow `seed`; an async one is awaited (only its
   * synchronous part is seeded).
   */
  model: z.custom<tf.LayersModel | (() => tf.LayersModel | Promise<tf.LayersModel>)>(
    (value) => typeof value === 'function' || isObject(value),
    'give a tfjs LayersModel or a function that builds one',
  ),
  /** Training data and optional validation data (evaluated after each epoch). */
  data: trainDataSchema,
  /**
   * Class names of a classifier's output, in index order (for a single sigmoid output: the names of
   * 0 and 1). Kept with the trained model so `saveModelArtifact` stores them as the artifact's
   * `signature.labels` and serving answers with names. Default the training data's `classes`
   * (`fromColumnBatches`), else none.
   */
  classes: classNamesSchema.optional(),
  /** Epochs to train. Default 1. */
  epochs: z.number().int().positive().optional(),
  /** Rows per step for in-memory data (streams bring their own batches). Default 32. */
  batchSize: z.number().int().positive().optional(),
  /** Shuffle in-memory data each epoch with the seeded RNG. Default true. */
  shuffle: z.boolean().optional(),
  /** Optimizer. Default `'adam'` (learning rate 0.001). */
  optimizer: optimizerSchema.optional(),
  /** Loss, by name or a function of (labels, predictions) returning the batch mean. */
  loss: z.union([
    z.enum(LOSS_NAMES),
    z.custom<(labels: tf.Tensor, predictions: tf.Tensor) => tf.Scalar>(
      (value) => typeof value === 'function',
      'a function',
    ),
  ]),
  /** Validation metrics, logged as `val_<name>`. Default none (only `val_loss`). */
  metrics: z.array(z.enum(METRIC_NAMES as [MetricName, ...MetricName[]])).optional(),
  /** Learning rate per step; multiplied by ReduceLROnPlateau's factor. Default the optimizer's constant rate. */
  lrSchedule: z
    .custom<LearningRateSchedule>(
      (value) => typeof value === 'function',
      'a function (step, epoch) => rate',
    )
    .optional(),
  /** Callbacks, run in order. */
  callbacks: z
    .array(
      z.custom<TrainingCallback>(
        (value) => isObject(value) && typeof value.name === 'string' && value.name.length > 0,
        'a callback object with a non-empty name',
      ),
    )
    .optional(),
  /** Checkpointing. Default none. */
  checkpoint: checkpointOptionsSchema.optional(),
  /**
   * `'latest'` continues from the run's newest checkpoint (or starts fresh when there is none); a
   * digest continues from that checkpoint; `'never'` (default) starts fresh and refuses to
   * overwrite a run that already has checkpoints.
   */
  resume: z
    .custom<'latest' | 'never' | Digest>(
      (value) =>
        value === 'latest' ||
        value === 'never' ||
        (typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value)),
      "'latest', 'never' or a checkpoint digest sha256:<64 hex>",
    )
    .optional(),
  /** Seed of the RNG behind model building, shuffling and dropout. Default a random one (reported in the result). */
  seed: z.number().int().nonnegative().max(0xffffffff).optional(),
  /**
   * Receives params once, metrics per step and epoch. A param the run already holds with another
   * value (logged by the caller) is kept; training's value goes to `trainer.<name>`, with a
   * process warning (code `MLINFRA_PARAM_CONFLICT`).
   */
  logger: z
    .custom<RunLogger>(
      (value) =>
        isObject(value) &&
        typeof value.logParams === 'function' &&
        typeof value.logMetrics === 'function',
      'an object with logParams() and logMetrics()',
    )
    .optional(),
  /** Charged with device-seconds; when it says stop, training checkpoints and ends with `'budget-exhausted'`. */
  budget: budgetOptionSchema.optional(),
  /** Backend. Default `'auto'`. */
  backend: z.enum(BACKEND_NAMES as [BackendName, ...BackendName[]]).optional(),
  /** Progress bar on stderr. Default: shown when stderr is a TTY. */
  progress: z.boolean().optional(),
  /**
   * What SIGTERM (a spot instance's notice) does while training with checkpoints: `'exit'` (default)
   * writes a checkpoint at the end of the current step, then lets the signal terminate the process
   * (or, when the application has SIGTERM handlers of its own, returns `'interrupted'` for them to finish);
   * `'return'` writes it and returns with status `'interrupted'`; `'ignore'` installs no handler.
   */
  onSigterm: z.enum(['exit', 'return', 'ignore']).optional(),
};

/** Schema of {@link TrainOptions}. */
export const trainOptionsSchema: z.ZodObject<typeof trainOptionsShape, z.core.$strict> =
  z.strictObject(trainOptionsShape);

/** Options of {@link train}. */
export type TrainOptions = z.input<typeof trainOptionsSchema>;
