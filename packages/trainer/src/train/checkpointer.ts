import { type Digest, ValidationError } from '@mlinfra/core';
import type * as tf from '@tensorflow/tfjs';
import {
  type CallbackState,
  type EpochLogs,
  improves,
  resolveMode,
  type TrainingCallback,
} from '../callbacks/types.js';
import type { CheckpointArray } from './checkpoint-format.js';
import type { CheckpointWriter } from './checkpoint-store.js';
import { callbackArrayName, modelArrayName } from './model-weights.js';
import { captureOptimizer } from './optimizer.js';
import type { SeededRandom } from './rng.js';
import type { CheckpointOptions } from './train-options.js';
import type { TrainerState } from './trainer-state.js';

/** Default of `checkpoint.everySeconds`. */
const DEFAULT_EVERY_SECONDS = 300;

type Ranked = TrainerState['best'];

/**
 * Ranks an epoch-end value among the best `count` so far. Returns the new ranking (best first) and
 * whether the value made it in; non-finite values never do, and ties keep the older checkpoint.
 */
export function rankBest(
  best: Ranked,
  entry: { step: number; value: number },
  mode: 'min' | 'max',
  count: number,
): { best: Ranked; isBest: boolean } {
  const order = (a: { value: number }, b: { value: number }) =>
    mode === 'min' ? a.value - b.value : b.value - a.value;
  const ranked = [...best].sort(order);
  const worst = ranked.length < count ? null : (ranked[count - 1]?.value ?? null);
  if (!Number.isFinite(entry.value) || (worst !== null && !improves(entry.value, worst, mode, 0)))
    return { best: ranked, isBest: false };
  return { best: [...ranked, entry].sort(order).slice(0, count), isBest: true };
}

/** What a checkpoint captures. */
export interface CheckpointSubject {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  callbacks: readonly TrainingCallback[];
  state: TrainerState;
  rng: SeededRandom;
}

/**
 * Writes the run's checkpoints (weights, optimizer state, callback state, RNG and position), keeps
 * the best by `keepBest`, and says when the next step or time checkpoint is due. Without
 * `checkpoint` options it does nothing.
 */
export class Checkpointer {
  /** Newest checkpoint of the run. */
  latest: Digest | undefined;
  /** Best checkpoint by `keepBest`. */
  best: Digest | undefined;
  /** Seconds spent writing checkpoints in this call. */
  seconds = 0;
  private lastAt = performance.now();
  private readonly mode: 'min' | 'max';

  constructor(
    private readonly writer: CheckpointWriter | undefined,
    private readonly options: CheckpointOptions | undefined,
    private readonly subject: CheckpointSubject,
    known: { latest?: Digest | undefined; best?: Digest | undefined } = {},
  ) {
    this.latest = known.latest;
    this.best = known.best;
    const keepBest = options?.keepBest;
    this.mode =
      keepBest === undefined ? 'min' : resolveMode(keepBest.monitor, keepBest.mode ?? 'auto');
  }

  /** Whether a checkpoint is due after `step` by `everySteps` or `everySeconds`. */
  due(step: number): boolean {
    if (this.writer === undefined) return false;
    const everySteps = this.options?.everySteps;
    if (everySteps !== undefined && step % everySteps === 0) return true;
    const everySeconds = this.options?.everySeconds ?? DEFAULT_EVERY_SECONDS;
    return (performance.now() - this.lastAt) / 1000 >= everySeconds;
  }

  /** Writes a checkpoint now; `epochLogs` (at epoch ends) also ranks it for `keepBest`. */
  async write(epochLogs?: EpochLogs): Promise<void> {
    if (this.writer === undefined) return;
    const started = performance.now();
    const { state } = this.subject;
    const isBest = epochLogs === undefined ? false : this.rank(epochLogs);
    const arrays = await this.capture();
    state.rng = this.subject.rng.state();
    const digest = await this.writer.write(state.step, state, arrays);
    this.latest = digest;
    if (isBest) {
      await this.writer.setBest(state.step, digest, new Set(state.best.map((entry) => entry.step)));
      if (state.best[0]?.step === state.step) this.best = digest;
    }
    this.lastAt = performance.now();
    this.seconds += (this.lastAt - started) / 1000;
  }

  private rank(epochLogs: EpochLogs): boolean {
    const keepBest = this.options?.keepBest;
    if (keepBest === undefined) return false;
    const value = epochLogs[keepBest.monitor];
    if (value === undefined) {
      throw new ValidationError(
        `checkpoint.keepBest monitors "${keepBest.monitor}" but the epoch logs have ${Object.keys(epochLogs).join(', ')}`,
      );
    }
    const { state } = this.subject;
    const ranked = rankBest(
      state.best,
      { step: state.step, value },
      this.mode,
      keepBest.count ?? 1,
    );
    if (ranked.isBest) state.best = ranked.best;
    return ranked.isBest;
  }

  /** The arrays of a checkpoint; also records each callback's JSON state in `state.callbacks`. */
  private async capture(): Promise<CheckpointArray[]> {
    const { model, optimizer, callbacks, state } = this.subject;
    const arrays: CheckpointArray[] = [];
    // Async reads: webgpu in Node has no synchronous readback.
    for (const [index, tensor] of model.getWeights().entries()) {
      arrays.push({
        name: modelArrayName(index),
        dtype: 'float32',
        shape: [...tensor.shape],
        data: new Float32Array(await tensor.data()),
      });
    }
    arrays.push(...(await captureOptimizer(optimizer)));
    state.callbacks = {};
    for (const callback of callbacks) {
      const saved: CallbackState | undefined = callback.getState?.();
      if (saved === undefined) continue;
      const list = saved.arrays ?? [];
      state.callbacks[callback.name] = { json: saved.json, arrays: list.length };
      list.forEach((data, index) => {
        arrays.push({
          name: callbackArrayName(callback.name, index),
          dtype: 'float32',
          shape: [data.length],
          data,
        });
      });
    }
    return arrays;
  }
}
