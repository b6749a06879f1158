import type * as tf from '@tensorflow/tfjs';

/** Metrics after one optimisation step. */
export interface StepLogs {
  /** Loss of this batch. */
  loss: number;
  /** Learning rate used for this step. */
  learningRate: number;
  /** Rows in this batch. */
  rows: number;
}

/**
 * Metrics after an epoch: `loss` (mean training loss), `learningRate`, and for validation data
 * `val_loss` plus `val_<metric>` for each requested metric.
 */
export type EpochLogs = Record<string, number>;

/** Saved callback state: JSON plus optional arrays (e.g. best weights). */
export interface CallbackState {
  /** JSON-serialisable part. */
  json: unknown;
  /** Arrays, such as a copy of the weights. */
  arrays?: Float32Array[];
}

/** What callbacks can see and change. */
export interface TrainingContext {
  /** The model being trained. */
  readonly model: tf.LayersModel;
  /** Epoch in progress (from 0). */
  readonly epoch: number;
  /** Optimisation steps done so far in the whole run. */
  readonly step: number;
  /** Multiplier applied on top of the learning-rate schedule (ReduceLROnPlateau lowers it). Default 1. */
  learningRateFactor: number;
  /** Asks the trainer to stop after this epoch (or step) with status `'early-stopped'`. */
  stopTraining(reason: string): void;
  /**
   * Copies of all model weights (trainable and not), in `model.getWeights()` order. Async because
   * GPU backends (webgpu) read tensors back asynchronously.
   */
  getWeights(): Promise<Float32Array[]>;
  /** Overwrites all model weights from {@link getWeights}'s arrays. */
  setWeights(weights: readonly Float32Array[]): void;
  /** `'running'` until training ends, then how it ended. */
  readonly status: 'running' | 'completed' | 'early-stopped' | 'budget-exhausted' | 'interrupted';
}

/**
 * A training callback. Every hook is optional and may be async. Callbacks with state implement
 * `getState`/`setState` so their state goes into checkpoints and comes back on resume; `name`
 * keys that state, so give each callback instance a distinct name.
 */
export interface TrainingCallback {
  /** Unique name (keys its checkpointed state). */
  readonly name: string;
  /** Before the first step (also when resuming). */
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  /** Before an epoch's first step (also when resuming in the middle of it). */
  onEpochBegin?(epoch: number, context: TrainingContext): void | Promise<void>;
  /** After every step; `step` counts steps of the whole run from 1. */
  onBatchEnd?(step: number, logs: StepLogs, context: TrainingContext): void | Promise<void>;
  /** After an epoch and its validation; may add entries to `logs` for later callbacks. */
  onEpochEnd?(epoch: number, logs: EpochLogs, context: TrainingContext): void | Promise<void>;
  /** When training ends, however it ends (`context.status` says how). */
  onTrainEnd?(context: TrainingContext): void | Promise<void>;
  /** State to put into checkpoints. */
  getState?(): CallbackState;
  /** Restores {@link getState}'s value when resuming. */
  setState?(state: CallbackState): void;
}

/** `'min'` when lower is better (losses), `'max'` when higher is better (accuracy, AUC). `'auto'` picks by name. */
export type MonitorMode = 'min' | 'max' | 'auto';

/** Resolves `'auto'`: max for accuracy/auc/precision/recall/f1/r2, min otherwise. */
export function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall|f1|r2/i.test(monitor) ? 'max' : 'min';
}

/** Whether `value` beats `best` by more than `minDelta`. */
export function improves(
  value: number,
  best: number | null,
  mode: 'min' | 'max',
  minDelta: number,
): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}
