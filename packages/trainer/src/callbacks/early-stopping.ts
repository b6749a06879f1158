import { parseOptions, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import { improves, resolveMode, type TrainingCallback } from './types.js';

const optionsShape = {
  /** Epoch metric to watch. Default `'val_loss'`. */
  monitor: z.string().min(1).optional(),
  /** Whether lower or higher is better. Default `'auto'` (max for accuracy-like names). */
  mode: z.enum(['min', 'max', 'auto']).optional(),
  /** Epochs without improvement before stopping. Default 5. */
  patience: z.number().int().nonnegative().optional(),
  /** Smallest change that counts as improvement. Default 0. */
  minDelta: z.number().nonnegative().optional(),
  /** Put back the weights of the best epoch when stopping (or when training ends). Default false. */
  restoreBestWeights: z.boolean().optional(),
  /** Callback name (keys its state in checkpoints). Default `'earlyStopping'`. */
  name: z.string().min(1).optional(),
};

const schema: z.ZodObject<typeof optionsShape, z.core.$strict> = z.strictObject(optionsShape);

/** Options of {@link earlyStopping}. */
export type EarlyStoppingOptions = z.input<typeof schema>;

/**
 * Stops training when a metric stops improving (Keras `EarlyStopping`), optionally restoring the
 * best epoch's weights, which tfjs's own callback cannot do. Its state (best value, wait, best
 * weights) is checkpointed.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): TrainingCallback {
  const parsed = parseOptions(schema, options, 'earlyStopping options');
  const monitor = parsed.monitor ?? 'val_loss';
  const mode = resolveMode(monitor, parsed.mode ?? 'auto');
  const patience = parsed.patience ?? 5;
  const minDelta = parsed.minDelta ?? 0;
  const restore = parsed.restoreBestWeights ?? false;
  let best: number | null = null;
  let bestEpoch = -1;
  let wait = 0;
  let bestWeights: Float32Array[] | undefined;
  let restored = false;
  return {
    name: parsed.name ?? 'earlyStopping',
    async onEpochEnd(epoch, logs, context) {
      const value = logs[monitor];
      if (value === undefined) {
        throw new ValidationError(
          `earlyStopping monitors "${monitor}" but the epoch logs have ${Object.keys(logs).join(', ')}; pass validation data or monitor one of those`,
        );
      }
      if (improves(value, best, mode, minDelta)) {
        best = value;
        bestEpoch = epoch;
        wait = 0;
        if (restore) bestWeights = await context.getWeights();
        return;
      }
      wait++;
      if (wait >= patience) {
        if (restore && bestWeights !== undefined) {
          context.setWeights(bestWeights);
          restored = true;
        }
        context.stopTraining(
          `${monitor} did not improve for ${wait} epoch(s); best ${best} at epoch ${bestEpoch}${restored ? ' (weights restored)' : ''}`,
        );
      }
    },
    onTrainEnd(context) {
      // Only a finished run ends on its best weights; an interrupted one must resume from where it was.
      if (
        context.status === 'completed' &&
        restore &&
        !restored &&
        bestWeights !== undefined &&
        wait > 0
      ) {
        context.setWeights(bestWeights);
      }
    },
    getState: () => ({
      json: { best, bestEpoch, wait },
      ...(bestWeights === undefined ? {} : { arrays: bestWeights }),
    }),
    setState(state) {
      const json = state.json as { best: number | null; bestEpoch: number; wait: number };
      best = json.best;
      bestEpoch = json.bestEpoch;
      wait = json.wait;
      bestWeights = state.arrays;
    },
  };
}
