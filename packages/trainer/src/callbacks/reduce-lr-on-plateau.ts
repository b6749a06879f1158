import { parseOptions, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import { improves, resolveMode, type TrainingCallback } from './types.js';

const optionsShape = {
  /** Epoch metric to watch. Default `'val_loss'`. */
  monitor: z.string().min(1).optional(),
  /** Whether lower or higher is better. Default `'auto'`. */
  mode: z.enum(['min', 'max', 'auto']).optional(),
  /** Factor the learning rate is multiplied by, in (0, 1). Default 0.1. */
  factor: z.number().gt(0).lt(1).optional(),
  /** Epochs without improvement before reducing. Default 10. */
  patience: z.number().int().nonnegative().optional(),
  /** Smallest change that counts as improvement. Default 0.0001. */
  minDelta: z.number().nonnegative().optional(),
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown: z.number().int().nonnegative().optional(),
  /** Lowest learning-rate factor relative to the schedule. Default 0. */
  minFactor: z.number().nonnegative().optional(),
  /** Callback name. Default `'reduceLROnPlateau'`. */
  name: z.string().min(1).optional(),
};

const schema: z.ZodObject<typeof optionsShape, z.core.$strict> = z.strictObject(optionsShape);

/** Options of {@link reduceLROnPlateau}. */
export type ReduceLROnPlateauOptions = z.input<typeof schema>;

/**
 * Multiplies the learning rate by `factor` when a metric plateaus (Keras `ReduceLROnPlateau`).
 * It works on top of any schedule through `context.learningRateFactor`, which checkpoints keep.
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): TrainingCallback {
  const parsed = parseOptions(schema, options, 'reduceLROnPlateau options');
  const monitor = parsed.monitor ?? 'val_loss';
  const mode = resolveMode(monitor, parsed.mode ?? 'auto');
  const factor = parsed.factor ?? 0.1;
  const patience = parsed.patience ?? 10;
  const minDelta = parsed.minDelta ?? 1e-4;
  const cooldown = parsed.cooldown ?? 0;
  const minFactor = parsed.minFactor ?? 0;
  let best: number | null = null;
  let wait = 0;
  let cooling = 0;
  return {
    name: parsed.name ?? 'reduceLROnPlateau',
    onEpochEnd(_epoch, logs, context) {
      const value = logs[monitor];
      if (value === undefined) {
        throw new ValidationError(
          `reduceLROnPlateau monitors "${monitor}" but the epoch logs have ${Object.keys(logs).join(', ')}; pass validation data or monitor one of those`,
        );
      }
      if (cooling > 0) {
        cooling--;
        wait = 0;
      }
      if (improves(value, best, mode, minDelta)) {
        best = value;
        wait = 0;
        return;
      }
      if (cooling > 0) return;
      wait++;
      if (wait >= patience) {
        context.learningRateFactor = Math.max(minFactor, context.learningRateFactor * factor);
        cooling = cooldown;
        wait = 0;
      }
    },
    getState: () => ({ json: { best, wait, cooling } }),
    setState(state) {
      const json = state.json as { best: number | null; wait: number; cooling: number };
      best = json.best;
      wait = json.wait;
      cooling = json.cooling;
    },
  };
}
