import { randomInt } from 'node:crypto';
import { type Digest, parseOptions, ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { type BackendInfo, useBackend } from '../backend/backend.js';
import { progressBar } from '../callbacks/progress-bar.js';
import type { LearningRateSchedule } from '../callbacks/schedules.js';
import type { EpochLogs } from '../callbacks/types.js';
import { setLabelMetadata } from '../internal/label-metadata.js';
import { BudgetMeter } from './budget-meter.js';
import { openRun } from './checkpoint-restore.js';
import { Checkpointer } from './checkpointer.js';
import { columnLabelsOf } from './column-batches.js';
import { toDataSource } from './data.js';
import { assertClasses, labelRule } from './data-checks.js';
import { finalStatus, type StopRequest, type TrainStatus } from './final-status.js';
import { logTrainingParams } from './log-training-params.js';
import { lossFunction } from './losses.js';
import { modelTopology } from './model-topology.js';
import { isLayersModel } from './model-weights.js';
import { createOptimizer } from './optimizer.js';
import { SeededRandom } from './rng.js';
import { SigtermLatch } from './sigterm-latch.js';
import { runEpochs } from './train-epoch.js';
import { type TrainOptions, trainOptionsSchema } from './train-options.js';
import { createStep } from './train-step.js';
import { initialState } from './trainer-state.js';
import { createTrainingContext } from './training-context.js';

export type { TrainStatus } from './final-status.js';
export type { BudgetOption, CheckpointOptions, TrainOptions } from './train-options.js';

/** What {@link train} returns. */
export interface TrainResult {
  /** How training ended. */
  status: TrainStatus;
  /** Why it stopped early, if it did. */
  stopReason?: string;
  /** The trained model. */
  model: tf.LayersModel;
  /** The backend that ran. */
  backend: BackendInfo;
  /** The seed used. */
  seed: number;
  /** Class names of the output (from `classes` or the data), also kept with `model` for `saveModelArtifact`. */
  classes?: string[];
  /** Epochs completed. */
  epochs: number;
  /** Optimisation steps done (whole run, including before a resume). */
  steps: number;
  /** Epoch logs, one per completed epoch. */
  history: EpochLogs[];
  /** Newest checkpoint written, if checkpointing. */
  checkpoint?: Digest;
  /** Best checkpoint by `keepBest`, if configured. */
  bestCheckpoint?: Digest;
  /** The checkpoint this call resumed from. */
  resumedFrom?: { digest: Digest; step: number };
  /** Device-seconds spent in training steps (whole run). */
  deviceSeconds: number;
  /** Training throughput of this call, rows per second of step time. */
  samplesPerSecond: number;
  /** Seconds this call spent writing checkpoints (serialising, storing, pruning). */
  checkpointSeconds: number;
  /** Wall-clock seconds of this call, from start to return. */
  wallSeconds: number;
}

/** Builds (seeded) and checks the model: a LayersModel with one input and one output. */
async function buildModel(
  model: TrainOptions['model'],
  rng: SeededRandom,
): Promise<tf.LayersModel> {
  // An async builder is awaited; only its synchronous part (where layers are usually built) is seeded.
  const built: unknown = await (typeof model === 'function' ? rng.drive(model) : model);
  if (!isLayersModel(built)) {
    throw new ValidationError(
      'train() needs a tfjs LayersModel (tf.sequential() or tf.model()), or a function returning one',
    );
  }
  if (built.inputs.length !== 1 || built.outputs.length !== 1) {
    throw new ValidationError(
      `train() supports models with one input and one output; this one has ${built.inputs.length} and ${built.outputs.length}. Concatenate inputs into one tensor, or train with tfjs's model.fit`,
    );
  }
  return built;
}

/**
 * Trains a tfjs LayersModel with a custom loop: seeded shuffling, initializers and dropout; learning-rate
 * schedules; callbacks; validation metrics; checkpoints in the core store with exact resume (weights,
 * optimizer state, epoch, step, RNG, data cursor, callback state); SIGTERM handling; budgets.
 *
 * Same seed, same data and the cpu backend give bit-identical weights, also across a kill and resume.
 *
 * @throws ValidationError for bad options (unknown keys included) or data, ConflictError when the run
 * already has checkpoints and `resume` is not `'latest'`, MissingDependencyError when the backend's
 * package is missing.
 *
 * @example
 * ```ts
 * const result = await train({
 *   model: () => buildModel(), data: { train: { x, y } }, epochs: 5, loss: 'binaryCrossentropy',
 *   seed: 1, backend: 'cpu', checkpoint: { store, name: 'churn/run-1' }, resume: 'latest',
 * });
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const callStarted = performance.now();
  parseOptions(trainOptionsSchema, options, 'train options');
  const backend = await useBackend(options.backend ?? 'auto');
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const builderRng = new SeededRandom(seed);
  const model = await buildModel(options.model, builderRng);
  const inputShape = model.inputs[0]?.shape.slice(1) ?? [];
  const outputShape = model.outputs[0]?.shape.slice(1) ?? [];
  const { optimizer, learningRate: baseRate } = createOptimizer(options.optimizer ?? 'adam');
  const schedule: LearningRateSchedule = options.lrSchedule ?? (() => baseRate);
  const lossFn = lossFunction(options.loss);
  const labels = labelRule(options.loss, outputShape);
  const columnLabels = columnLabelsOf(options.data.train);
  const classes = options.classes ?? columnLabels?.classes;
  if (classes !== undefined) assertClasses(classes, outputShape);
  const trainSource = await toDataSource(
    options.data.train,
    { inputShape, outputShape, shuffle: options.shuffle ?? true, labels },
    'data.train',
  );
  const validationSource =
    options.data.validation === undefined
      ? undefined
      : await toDataSource(
          options.data.validation,
          { inputShape, outputShape, shuffle: false, labels },
          'data.validation',
        );
  const callbacks = [...(options.callbacks ?? [])];
  if (options.progress ?? process.stderr.isTTY === true)
    callbacks.push(progressBar({ epochs, rows: trainSource.rows, batchSize }));
  const names = new Set<string>();
  for (const callback of callbacks) {
    if (names.has(callback.name))
      throw new ValidationError(
        `Two callbacks are named "${callback.name}"; give each a distinct name option`,
      );
    names.add(callback.name);
  }
  setLabelMetadata(model, {
    ...(columnLabels === undefined ? {} : { label: columnLabels.label }),
    ...(classes === undefined ? {} : { classes }),
  });
  // Sync reads only where tfjs computes synchronously; webgpu in Node has no sync readback. Asks
  // tfjs itself, after the model factory ran (it could have switched backends).
  const active = tf.getBackend();
  const syncRead = active === 'wasm' || active === 'cpu';
  const device = backend.name === 'tensorflow-gpu' || backend.name === 'webgpu' ? 'gpu' : 'cpu';

  const weightShapes = model.getWeights().map((tensor) => [...tensor.shape]);
  const state = initialState(seed, builderRng.state(), {
    weightShapes,
    batchSize,
    optimizer: optimizer.getClassName(),
    topology: modelTopology(model),
  });
  const run = await openRun(options.checkpoint, options.resume ?? 'never', {
    model,
    optimizer,
    callbacks,
    state,
    epochs,
  });
  // The RNG continues from model building, or from the checkpoint when resuming.
  const rng = run.resumedFrom === undefined ? builderRng : SeededRandom.fromState(state.rng);

  const stop: StopRequest = { requested: false, reason: undefined };
  const context = createTrainingContext(model, state, stop);
  const checkpointer = new Checkpointer(
    run.writer,
    options.checkpoint,
    { model, optimizer, callbacks, state, rng },
    { latest: run.latest, best: run.best },
  );
  const meter = new BudgetMeter(options.budget, device);
  const latch = new SigtermLatch(options.onSigterm ?? 'exit', run.writer !== undefined);
  const logger = options.logger;
  const session = {
    rows: 0,
    seconds: 0,
    rate: schedule(state.step, state.epoch) * state.learningRateFactor,
    lastYield: performance.now(),
  };
  let ended: { status: TrainStatus; reason?: string };
  try {
    if (logger !== undefined && run.resumedFrom === undefined) {
      await logTrainingParams(logger, {
        epochs,
        batchSize,
        seed,
        optimizer: optimizer.getClassName(),
        learningRate: baseRate,
        loss: typeof options.loss === 'string' ? options.loss : 'custom',
        backend: backend.name,
      });
      await logger.setTags?.({
        'mlinfra.trainer.backend': backend.name,
        'mlinfra.trainer.seed': String(seed),
      });
    }
    for (const callback of callbacks) await callback.onTrainBegin?.(context);
    await runEpochs({
      state,
      model,
      optimizer,
      step: createStep({ model, optimizer, lossFn, rng, syncRead }),
      schedule,
      lossFn,
      trainSource,
      validationSource,
      metrics: options.metrics,
      batchSize,
      epochs,
      rng,
      callbacks,
      context,
      logger,
      meter,
      latch,
      checkpointer,
      stop,
      session,
    });
    ended = finalStatus({
      budgetStop: meter.stopReason,
      signalled: latch.signalled,
      finished: state.finished,
      stop,
    });
    await meter.charge(true);
    context.status = ended.status;
    for (const callback of callbacks) await callback.onTrainEnd?.(context);
    await logger?.setTags?.({ 'mlinfra.trainer.status': ended.status });
    if (checkpointer.latest !== undefined)
      await logger?.logArtifact?.('checkpoint', { digest: checkpointer.latest });
  } finally {
    latch.release();
  }
  await latch.exitIfSignalled();
  const result: TrainResult = {
    status: ended.status,
    model,
    backend,
    // A resumed run keeps the seed it started with.
    seed: state.seed,
    epochs: state.epoch,
    steps: state.step,
    history: state.history,
    deviceSeconds: state.deviceSeconds,
    samplesPerSecond: session.seconds > 0 ? session.rows / session.seconds : 0,
    checkpointSeconds: checkpointer.seconds,
    wallSeconds: (performance.now() - callStarted) / 1000,
  };
  if (ended.reason !== undefined) result.stopReason = ended.reason;
  if (classes !== undefined) result.classes = classes;
  if (checkpointer.latest !== undefined) result.checkpoint = checkpointer.latest;
  if (checkpointer.best !== undefined) result.bestCheckpoint = checkpointer.best;
  if (run.resumedFrom !== undefined) result.resumedFrom = run.resumedFrom;
  return result;
}
