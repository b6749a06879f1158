import { ConflictError, createStore, type Digest, ValidationError } from '@mlinfra/core';
import type * as tf from '@tensorflow/tfjs';
import type { TrainingCallback } from '../callbacks/types.js';
import { CheckpointWriter, listCheckpoints, readCheckpointBlob } from './checkpoint-store.js';
import { topologyDifferences } from './model-topology.js';
import { callbackArrayName, modelArrayName, setWeightsOf } from './model-weights.js';
import { restoreOptimizer } from './optimizer.js';
import type { CheckpointOptions } from './train-options.js';
import type { TrainerState } from './trainer-state.js';

/** The run's checkpoints as `train()` found them. */
export interface OpenedRun {
  /** Writes this run's checkpoints; undefined without `checkpoint` options. */
  writer: CheckpointWriter | undefined;
  /** The run's newest checkpoint before this call. */
  latest?: Digest;
  /** The best checkpoint by `keepBest` of the restored state. */
  best?: Digest;
  /** The checkpoint restored, when resuming. */
  resumedFrom?: { digest: Digest; step: number };
}

/** What a restore writes into. */
export interface RestoreTarget {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  callbacks: readonly TrainingCallback[];
  /** The fresh state; a resume overwrites it with the checkpoint's (keeping `config`). */
  state: TrainerState;
  /** Epochs asked for: a completed run resumed with more epochs goes on. */
  epochs: number;
}

/**
 * Opens the run named by `checkpoint` and, for `resume: 'latest'` or a digest, restores the
 * checkpoint into `target`: weights, optimizer state, callback state and the trainer state.
 * @throws ValidationError for `resume` without `checkpoint` or a checkpoint of another configuration,
 * ConflictError when the run has checkpoints and `resume` is `'never'`.
 */
export async function openRun(
  checkpoint: CheckpointOptions | undefined,
  resume: 'latest' | 'never' | Digest,
  target: RestoreTarget,
): Promise<OpenedRun> {
  if (checkpoint === undefined) {
    if (resume !== 'never')
      throw new ValidationError(
        "resume needs checkpoint: { store, name } to know where the run's checkpoints are",
      );
    return { writer: undefined };
  }
  const store =
    typeof checkpoint.store === 'string' ? createStore(checkpoint.store) : checkpoint.store;
  const listing = await listCheckpoints(store, checkpoint.name);
  if (resume === 'never' && listing.latest !== undefined) {
    throw new ConflictError(
      `Run "${checkpoint.name}" already has checkpoints (latest ${listing.latest}); pass resume: 'latest' to continue it, or use another checkpoint.name`,
    );
  }
  const writer = new CheckpointWriter(store, checkpoint.name, checkpoint.keepLast ?? 3, listing);
  const opened: OpenedRun = { writer };
  if (listing.latest !== undefined) opened.latest = listing.latest;
  const digest = resume === 'latest' ? listing.latest : resume === 'never' ? undefined : resume;
  if (digest === undefined) return opened;

  const decoded = await readCheckpointBlob(store, digest);
  const saved = decoded.state as TrainerState;
  assertSameConfig(digest, saved, target.state);
  const { model, optimizer, callbacks, state } = target;
  const arrayData = (name: string) => decoded.arrays.get(name)?.data as Float32Array;
  setWeightsOf(
    model,
    state.config.weightShapes.map((_, index) => arrayData(modelArrayName(index))),
  );
  await restoreOptimizer(optimizer, decoded.arrays);
  for (const callback of callbacks) {
    const entry = saved.callbacks[callback.name];
    if (entry === undefined || callback.setState === undefined) continue;
    const arrays = Array.from({ length: entry.arrays }, (_, index) =>
      arrayData(callbackArrayName(callback.name, index)),
    );
    callback.setState(entry.arrays > 0 ? { json: entry.json, arrays } : { json: entry.json });
  }
  Object.assign(state, saved, { config: state.config });
  // A completed run resumed with more epochs goes on (like Keras's initialEpoch); an early-stopped one stays stopped.
  if (state.finished?.status === 'completed' && state.epoch < target.epochs) state.finished = null;
  opened.resumedFrom = { digest, step: saved.step };
  const topStep = state.best[0]?.step;
  const best = listing.best.find((entry) => entry.step === topStep)?.digest;
  if (best !== undefined) opened.best = best;
  return opened;
}

/** Refuses a checkpoint written by another model (topology or shapes), batch size or optimizer. */
function assertSameConfig(digest: Digest, saved: TrainerState, current: TrainerState): void {
  const before = saved.config.topology;
  const now = current.config.topology;
  if (before !== undefined && now !== undefined && before.fingerprint !== now.fingerprint) {
    const differences = topologyDifferences(before, now);
    throw new ValidationError(
      `Checkpoint ${digest} was trained on another model architecture (topology ${before.fingerprint}) than this one (topology ${now.fingerprint}); build the same model to resume, or start a new run with another checkpoint.name`,
      differences.map((message) => ({ path: ['model'], message })),
    );
  }
  if (JSON.stringify(saved.config.weightShapes) !== JSON.stringify(current.config.weightShapes)) {
    throw new ValidationError(
      `Checkpoint ${digest} holds weights of shapes ${JSON.stringify(saved.config.weightShapes)} but the model has ${JSON.stringify(current.config.weightShapes)}; build the same model to resume`,
    );
  }
  if (
    saved.config.batchSize !== current.config.batchSize ||
    saved.config.optimizer !== current.config.optimizer
  ) {
    throw new ValidationError(
      `Checkpoint ${digest} was trained with batchSize ${saved.config.batchSize} and ${saved.config.optimizer}; resume with the same batchSize and optimizer (got ${current.config.batchSize}, ${current.config.optimizer})`,
    );
  }
}
