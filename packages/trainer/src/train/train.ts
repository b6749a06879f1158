import { randomInt } from 'node:crypto';
import {
  createStore,
  type Digest,
  isStore,
  MlinfraError,
  parseOptions,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  useBackend,
} from '../backend/backend.js';
import { progressBar } from '../callbacks/progress-bar.js';
import type { LearningRateSchedule } from '../callbacks/schedules.js';
import {
  type CallbackState,
  type EpochLogs,
  improves,
  type MonitorMode,
  resolveMode,
  type StepLogs,
  type TrainingCallback,
  type TrainingContext,
} from '../callbacks/types.js';
import { collectOutcomes, reportOf } from '../evaluate/evaluate.js';
import { METRIC_NAMES, type MetricName } from '../evaluate/metrics.js';
import type { CheckpointArray } from './checkpoint-format.js';
import { CheckpointWriter, listCheckpoints, readCheckpointBlob } from './checkpoint-store.js';
import { type DataSource, type TrainData, toDataSource } from './data.js';
import type { BudgetGuard, RunLogger } from './interfaces.js';
import { LOSS_NAMES, type LossSpec, lossFunction } from './losses.js';
import {
  captureOptimizer,
  createOptimizer,
  type OptimizerSpec,
  restoreOptimizer,
  setLearningRate,
} from './optimizer.js';
import { type RandomState, SeededRandom } from './rng.js';

/** Where and how often checkpoints are written. */
export interface CheckpointOptions {
  /** The core store (or its folder) that holds checkpoint blobs and the run's refs `trainer/<name>/...`. */
  store: Store | string;
  /** Run name: checkpoints live under refs `trainer/<name>/`. Segments of [A-Za-z0-9._@+-] separated by `/`. */
  name: string;
  /** Also checkpoint every this many steps. Default: off. */
  everySteps?: number;
  /** Also checkpoint when this many seconds passed since the last one. Default 300 (600 steps of a tiny model cost < 1%). */
  everySeconds?: number;
  /** Recent checkpoints kept; older ones are deleted. Default 3. */
  keepLast?: number;
  /** Also keep the best `count` epoch-end checkpoints by an epoch metric. Default off. */
  keepBest?: { monitor: string; mode?: MonitorMode; count?: number };
}

/** A budget guard, or one with its charging cadence. */
export type BudgetOption = BudgetGuard | { guard: BudgetGuard; everySeconds?: number };

/** Options of {@link train}. */
export interface TrainOptions {
  /**
   * The model (one input, one output), or a function that builds it. The function runs with
   * `Math.random` seeded, so initial weights follow `seed`; an async one is awaited (only its
   * synchronous part is seeded).
   */
  model: tf.LayersModel | (() => tf.LayersModel | Promise<tf.LayersModel>);
  /** Training data and optional validation data (evaluated after each epoch). */
  data: { train: TrainData; validation?: TrainData };
  /** Epochs to train. Default 1. */
  epochs?: number;
  /** Rows per step for in-memory data (streams bring their own batches). Default 32. */
  batchSize?: number;
  /** Shuffle in-memory data each epoch with the seeded RNG. Default true. */
  shuffle?: boolean;
  /** Optimizer. Default `'adam'` (learning rate 0.001). */
  optimizer?: OptimizerSpec;
  /** Loss. */
  loss: LossSpec;
  /** Validation metrics, logged as `val_<name>`. Default none (only `val_loss`). */
  metrics?: MetricName[];
  /** Learning rate per step; multiplied by ReduceLROnPlateau's factor. Default the optimizer's constant rate. */
  lrSchedule?: LearningRateSchedule;
  /** Callbacks, run in order. */
  callbacks?: TrainingCallback[];
  /** Checkpointing. Default none. */
  checkpoint?: CheckpointOptions;
  /**
   * `'latest'` continues from the run's newest checkpoint (or starts fresh when there is none); a
   * digest continues from that checkpoint; `'never'` (default) starts fresh and refuses to
   * overwrite a run that already has checkpoints.
   */
  resume?: 'latest' | 'never' | Digest;
  /** Seed of the RNG behind model building, shuffling and dropout. Default a random one (reported in the result). */
  seed?: number;
  /** Receives params once, metrics per step and epoch. */
  logger?: RunLogger;
  /** Charged with device-seconds; when it says stop, training checkpoints and ends with `'budget-exhausted'`. */
  budget?: BudgetOption;
  /** Backend. Default `'auto'`. */
  backend?: BackendName;
  /** Progress bar on stderr. Default: shown when stderr is a TTY. */
  progress?: boolean;
  /**
   * What SIGTERM (a spot instance's notice) does while training with checkpoints: `'exit'` (default)
   * writes a checkpoint at the end of the current step, then lets the signal terminate the process
   * (or, when the application has SIGTERM handlers of its own, returns `'interrupted'` for them to finish);
   * `'return'` writes it and returns with status `'interrupted'`; `'ignore'` installs no handler.
   */
  onSigterm?: 'exit' | 'return' | 'ignore';
}

/** How training ended. */
export type TrainStatus = 'completed' | 'early-stopped' | 'budget-exhausted' | 'interrupted';

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

interface TrainerState {
  seed: number;
  epoch: number;
  stepInEpoch: number;
  step: number;
  rng: RandomState;
  shuffleState: RandomState | null;
  cursor: unknown;
  learningRateFactor: number;
  epochLossSum: number;
  epochSteps: number;
  history: EpochLogs[];
  best: Array<{ step: number; value: number }>;
  deviceSeconds: number;
  finished: { status: 'completed' | 'early-stopped'; reason?: string } | null;
  callbacks: Record<string, { json: unknown; arrays: number }>;
  config: { weightShapes: number[][]; batchSize: number; optimizer: string };
}

const optionsSchema = z.object({
  model: z.custom<unknown>(
    (value) => typeof value === 'function' || (typeof value === 'object' && value !== null),
    {
      message: 'give a tfjs LayersModel or a function that builds one',
    },
  ),
  data: z.object({
    train: z.custom<unknown>((value) => value !== undefined && value !== null, 'required'),
    validation: z.unknown().optional(),
  }),
  epochs: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().optional(),
  shuffle: z.boolean().optional(),
  optimizer: z.unknown().optional(),
  loss: z.union([
    z.enum(LOSS_NAMES),
    z.custom<unknown>((value) => typeof value === 'function', 'a function'),
  ]),
  metrics: z.array(z.enum(METRIC_NAMES as [MetricName, ...MetricName[]])).optional(),
  lrSchedule: z
    .custom<unknown>((value) => typeof value === 'function', 'a function (step, epoch) => rate')
    .optional(),
  callbacks: z.array(z.object({ name: z.string().min(1) }).passthrough()).optional(),
  checkpoint: z
    .object({
      store: z.custom<unknown>(
        (value) => typeof value === 'string' || isStore(value),
        'a Store from createStore() or a folder path',
      ),
      name: z.string().min(1),
      everySteps: z.number().int().positive().optional(),
      everySeconds: z.number().positive().optional(),
      keepLast: z.number().int().positive().optional(),
      keepBest: z
        .object({
          monitor: z.string().min(1),
          mode: z.enum(['min', 'max', 'auto']).optional(),
          count: z.number().int().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  resume: z
    .union([z.literal('latest'), z.literal('never'), z.string().regex(/^sha256:[0-9a-f]{64}$/)])
    .optional(),
  seed: z.number().int().nonnegative().max(0xffffffff).optional(),
  logger: z
    .custom<unknown>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as RunLogger).logParams === 'function' &&
        typeof (value as RunLogger).logMetrics === 'function',
      'an object with logParams() and logMetrics()',
    )
    .optional(),
  budget: z
    .custom<unknown>((value) => {
      const guard =
        typeof value === 'object' && value !== null && 'guard' in value
          ? (value as { guard: unknown }).guard
          : value;
      return (
        typeof guard === 'object' &&
        guard !== null &&
        typeof (guard as BudgetGuard).charge === 'function'
      );
    }, 'an object with charge(deviceSeconds), or { guard, everySeconds }')
    .optional(),
  backend: z.enum(BACKEND_NAMES as [BackendName, ...BackendName[]]).optional(),
  progress: z.boolean().optional(),
  onSigterm: z.enum(['exit', 'return', 'ignore']).optional(),
});

function isLayersModel(value: unknown): value is tf.LayersModel {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as tf.LayersModel).apply === 'function' &&
    Array.isArray((value as tf.LayersModel).trainableWeights) &&
    Array.isArray((value as tf.LayersModel).inputs)
  );
}

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((tensor) => new Float32Array(tensor.dataSync()));
}

function setWeightsOf(model: tf.LayersModel, arrays: readonly Float32Array[]): void {
  const current = model.getWeights();
  if (arrays.length !== current.length) {
    throw new ValidationError(`Expected ${current.length} weight arrays, got ${arrays.length}`);
  }
  const tensors = arrays.map((array, index) =>
    tf.tensor(array, (current[index] as tf.Tensor).shape, 'float32'),
  );
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/**
 * Trains a tfjs LayersModel with a custom loop: seeded shuffling, initializers and dropout; learning-rate
 * schedules; callbacks; validation metrics; checkpoints in the core store with exact resume (weights,
 * optimizer state, epoch, step, RNG, data cursor, callback state); SIGTERM handling; budgets.
 *
 * Same seed, same data and the cpu backend give bit-identical weights, also across a kill and resume.
 *
 * @throws ValidationError for bad options or data, ConflictError when the run already has checkpoints and
 * `resume` is not `'latest'`, MissingDependencyError when the backend's package is missing.
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
  parseOptions(optionsSchema, options, 'train options');
  const backend = await useBackend(options.backend ?? 'auto');
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  let rng = new SeededRandom(seed);
  // An async builder is awaited; only its synchronous part (where layers are usually built) is seeded.
  const built: unknown = await (typeof options.model === 'function'
    ? rng.drive(options.model as () => tf.LayersModel | Promise<tf.LayersModel>)
    : options.model);
  if (!isLayersModel(built)) {
    throw new ValidationError(
      'train() needs a tfjs LayersModel (tf.sequential() or tf.model()), or a function returning one',
    );
  }
  const model = built;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ValidationError(
      `train() supports models with one input and one output; this one has ${model.inputs.length} and ${model.outputs.length}. Concatenate inputs into one tensor, or train with tfjs's model.fit`,
    );
  }
  const inputShape = model.inputs[0]?.shape.slice(1) ?? [];
  const outputShape = model.outputs[0]?.shape.slice(1) ?? [];
  const { optimizer, learningRate: baseRate } = createOptimizer(options.optimizer ?? 'adam');
  const schedule: LearningRateSchedule = options.lrSchedule ?? (() => baseRate);
  const lossFn = lossFunction(options.loss);
  const trainSource: DataSource = toDataSource(
    options.data.train,
    { inputShape, outputShape, shuffle: options.shuffle ?? true },
    'data.train',
  );
  const validationSource =
    options.data.validation === undefined
      ? undefined
      : toDataSource(
          options.data.validation,
          { inputShape, outputShape, shuffle: false },
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
  const syncRead = backend.name === 'wasm' || backend.name === 'cpu';
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const weightShapes = model.getWeights().map((tensor) => [...tensor.shape]);

  const state: TrainerState = {
    seed,
    epoch: 0,
    stepInEpoch: 0,
    step: 0,
    rng: rng.state(),
    shuffleState: null,
    cursor: null,
    learningRateFactor: 1,
    epochLossSum: 0,
    epochSteps: 0,
    history: [],
    best: [],
    deviceSeconds: 0,
    finished: null,
    callbacks: {},
    config: { weightShapes, batchSize, optimizer: optimizer.getClassName() },
  };

  // Checkpoint store and resume.
  const checkpoint = options.checkpoint;
  let writer: CheckpointWriter | undefined;
  let store: Store | undefined;
  let resumedFrom: TrainResult['resumedFrom'];
  let lastCheckpoint: Digest | undefined;
  let bestCheckpoint: Digest | undefined;
  const resume = options.resume ?? 'never';
  if (checkpoint === undefined) {
    if (resume !== 'never')
      throw new ValidationError(
        "resume needs checkpoint: { store, name } to know where the run's checkpoints are",
      );
  } else {
    store = typeof checkpoint.store === 'string' ? createStore(checkpoint.store) : checkpoint.store;
    const listing = await listCheckpoints(store, checkpoint.name);
    lastCheckpoint = listing.latest;
    const target =
      resume === 'latest' ? listing.latest : resume === 'never' ? undefined : (resume as Digest);
    if (resume === 'never' && listing.latest !== undefined) {
      throw new MlinfraError(
        `Run "${checkpoint.name}" already has checkpoints (latest ${listing.latest}); pass resume: 'latest' to continue it, or use another checkpoint.name`,
        'CONFLICT',
      );
    }
    writer = new CheckpointWriter(store, checkpoint.name, checkpoint.keepLast ?? 3, listing);
    if (target !== undefined) {
      const decoded = await readCheckpointBlob(store, target);
      const saved = decoded.state as TrainerState;
      if (JSON.stringify(saved.config.weightShapes) !== JSON.stringify(weightShapes)) {
        throw new ValidationError(
          `Checkpoint ${target} holds weights of shapes ${JSON.stringify(saved.config.weightShapes)} but the model has ${JSON.stringify(weightShapes)}; build the same model to resume`,
        );
      }
      if (
        saved.config.batchSize !== batchSize ||
        saved.config.optimizer !== state.config.optimizer
      ) {
        throw new ValidationError(
          `Checkpoint ${target} was trained with batchSize ${saved.config.batchSize} and ${saved.config.optimizer}; resume with the same batchSize and optimizer (got ${batchSize}, ${state.config.optimizer})`,
        );
      }
      const modelArrays: Float32Array[] = [];
      for (let index = 0; index < weightShapes.length; index++) {
        modelArrays.push(
          decoded.arrays.get(`model/${String(index).padStart(6, '0')}`)?.data as Float32Array,
        );
      }
      setWeightsOf(model, modelArrays);
      await restoreOptimizer(optimizer, decoded.arrays);
      for (const callback of callbacks) {
        const entry = saved.callbacks[callback.name];
        if (entry === undefined || callback.setState === undefined) continue;
        const arrays: Float32Array[] = [];
        for (let index = 0; index < entry.arrays; index++) {
          arrays.push(
            decoded.arrays.get(`callback/${callback.name}/${index}`)?.data as Float32Array,
          );
        }
        callback.setState(entry.arrays > 0 ? { json: entry.json, arrays } : { json: entry.json });
      }
      Object.assign(state, saved, { config: state.config });
      rng = SeededRandom.fromState(saved.rng);
      // A completed run resumed with more epochs goes on (like Keras's initialEpoch); an early-stopped one stays stopped.
      if (state.finished?.status === 'completed' && state.epoch < epochs) state.finished = null;
      resumedFrom = { digest: target, step: saved.step };
      const topStep = state.best[0]?.step;
      bestCheckpoint = listing.best.find((entry) => entry.step === topStep)?.digest;
    }
  }

  let stopReason: string | undefined;
  let stopRequested = false;
  let currentRate = schedule(state.step, state.epoch) * state.learningRateFactor;
  const context: TrainingContext & { status: TrainingContext['status'] } = {
    model,
    status: 'running',
    get epoch() {
      return state.epoch;
    },
    get step() {
      return state.step;
    },
    get learningRateFactor() {
      return state.learningRateFactor;
    },
    set learningRateFactor(value: number) {
      if (!(value >= 0) || !Number.isFinite(value))
        throw new ValidationError(`learningRateFactor must be >= 0, got ${value}`);
      state.learningRateFactor = value;
    },
    stopTraining(reason: string) {
      stopRequested = true;
      stopReason = reason;
    },
    getWeights: () => weightsOf(model),
    setWeights: (weights) => setWeightsOf(model, weights),
  };

  let lastCheckpointAt = performance.now();
  let lastYield = performance.now();
  const keepBest = checkpoint?.keepBest;
  const bestMode =
    keepBest === undefined ? 'min' : resolveMode(keepBest.monitor, keepBest.mode ?? 'auto');
  let checkpointSeconds = 0;
  const writeCheckpoint = async (epochLogs?: EpochLogs): Promise<void> => {
    if (writer === undefined) return;
    const writeStarted = performance.now();
    let isBest = false;
    if (keepBest !== undefined && epochLogs !== undefined) {
      const value = epochLogs[keepBest.monitor];
      if (value === undefined) {
        throw new ValidationError(
          `checkpoint.keepBest monitors "${keepBest.monitor}" but the epoch logs have ${Object.keys(epochLogs).join(', ')}`,
        );
      }
      const count = keepBest.count ?? 1;
      const ranked = [...state.best].sort((a, b) =>
        bestMode === 'min' ? a.value - b.value : b.value - a.value,
      );
      const worst = ranked.length < count ? null : (ranked[count - 1]?.value ?? null);
      if (Number.isFinite(value) && (worst === null || improves(value, worst, bestMode, 0))) {
        isBest = true;
        state.best = [...ranked, { step: state.step, value }]
          .sort((a, b) => (bestMode === 'min' ? a.value - b.value : b.value - a.value))
          .slice(0, count);
      }
    }
    const arrays: CheckpointArray[] = [];
    // Async reads: webgpu in Node has no synchronous readback.
    for (const [index, tensor] of model.getWeights().entries()) {
      arrays.push({
        name: `model/${String(index).padStart(6, '0')}`,
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
          name: `callback/${callback.name}/${index}`,
          dtype: 'float32',
          shape: [data.length],
          data,
        });
      });
    }
    state.rng = rng.state();
    const digest = await writer.write(state.step, state, arrays);
    lastCheckpoint = digest;
    if (isBest) {
      await writer.setBest(state.step, digest, new Set(state.best.map((entry) => entry.step)));
      const top = state.best[0];
      if (top !== undefined && top.step === state.step) bestCheckpoint = digest;
    }
    lastCheckpointAt = performance.now();
    checkpointSeconds += (lastCheckpointAt - writeStarted) / 1000;
  };

  // Budget.
  const budgetOption = options.budget;
  const guard: BudgetGuard | undefined =
    budgetOption === undefined
      ? undefined
      : 'guard' in budgetOption
        ? budgetOption.guard
        : budgetOption;
  const chargeEvery =
    budgetOption !== undefined && 'guard' in budgetOption ? (budgetOption.everySeconds ?? 10) : 10;
  const device = backend.name === 'tensorflow-gpu' || backend.name === 'webgpu' ? 'gpu' : 'cpu';
  let uncharged = 0;
  let budgetStop: string | undefined;
  const charge = async (force: boolean) => {
    if (guard === undefined || uncharged <= 0 || (!force && uncharged < chargeEvery)) return;
    const seconds = uncharged;
    uncharged = 0;
    const decision = await guard.charge(seconds, { device });
    if (decision?.stop === true) budgetStop = decision.reason ?? 'the budget is spent';
  };

  // SIGTERM.
  let signalled = false;
  const sigtermMode = options.onSigterm ?? 'exit';
  const onSignal = () => {
    signalled = true;
  };
  const handleSignals = writer !== undefined && sigtermMode !== 'ignore';
  if (handleSignals) process.on('SIGTERM', onSignal);

  const logger = options.logger;
  const everySeconds = checkpoint?.everySeconds ?? 300;
  let sessionRows = 0;
  let sessionSeconds = 0;
  let status: TrainStatus = 'completed';

  try {
    if (logger !== undefined && resumedFrom === undefined) {
      await logger.logParams({
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

    let interrupted = false;
    while (state.finished === null && state.epoch < epochs && !interrupted) {
      if (state.stepInEpoch === 0 && state.shuffleState === null) {
        state.shuffleState = [
          rng.nextUint32(),
          rng.nextUint32(),
          rng.nextUint32(),
          rng.nextUint32(),
        ];
      }
      for (const callback of callbacks) await callback.onEpochBegin?.(state.epoch, context);
      const batches = trainSource.batches(
        {
          epoch: state.epoch,
          skipBatches: state.stepInEpoch,
          cursor: state.cursor,
          shuffleState: state.shuffleState as RandomState,
        },
        batchSize,
      );
      for await (const batch of batches) {
        currentRate = schedule(state.step, state.epoch) * state.learningRateFactor;
        setLearningRate(optimizer, currentRate);
        const started = performance.now();
        let lossValue: number;
        try {
          const lossTensor = rng.drive(() =>
            optimizer.minimize(
              () => {
                const predictions = model.apply(batch.x, { training: true }) as tf.Tensor;
                let loss = lossFn(batch.y, predictions);
                for (const regularization of model.calculateLosses())
                  loss = tf.add(loss, regularization) as tf.Scalar;
                return loss;
              },
              true,
              variables,
            ),
          );
          // wasm and cpu compute synchronously: a sync read skips the promise machinery on every step.
          lossValue = (
            syncRead ? (lossTensor as tf.Scalar).dataSync() : await (lossTensor as tf.Scalar).data()
          )[0] as number;
          lossTensor?.dispose();
        } finally {
          if (batch.owned) tf.dispose([batch.x, batch.y]);
        }
        const seconds = (performance.now() - started) / 1000;
        state.deviceSeconds += seconds;
        uncharged += seconds;
        sessionSeconds += seconds;
        sessionRows += batch.rows;
        state.step++;
        state.stepInEpoch++;
        state.epochLossSum += lossValue;
        state.epochSteps++;
        state.cursor = trainSource.cursor();
        if (performance.now() - lastYield > 50) {
          // Steps on wasm/cpu are synchronous: yield now and then so SIGTERM handlers and timers run.
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        if (!Number.isFinite(lossValue)) {
          throw new MlinfraError(
            `The loss became ${lossValue} at step ${state.step}; lower the learning rate, scale the features, or check the labels for NaN`,
            'VALIDATION',
          );
        }
        const stepLogs: StepLogs = { loss: lossValue, learningRate: currentRate, rows: batch.rows };
        for (const callback of callbacks)
          await callback.onBatchEnd?.(state.step, stepLogs, context);
        await logger?.logMetrics({ loss: lossValue, lr: currentRate }, { step: state.step });
        await charge(false);
        if (budgetStop !== undefined || signalled || stopRequested) {
          if (stopRequested && budgetStop === undefined && !signalled) {
            state.finished =
              stopReason === undefined
                ? { status: 'early-stopped' }
                : { status: 'early-stopped', reason: stopReason };
          }
          await writeCheckpoint();
          interrupted = true;
          break;
        }
        const dueBySteps =
          checkpoint?.everySteps !== undefined && state.step % checkpoint.everySteps === 0;
        const dueByTime =
          writer !== undefined && (performance.now() - lastCheckpointAt) / 1000 >= everySeconds;
        if (dueBySteps || dueByTime) await writeCheckpoint();
      }
      if (interrupted) break;

      // End of epoch.
      const logs: EpochLogs = {
        loss: state.epochSteps === 0 ? Number.NaN : state.epochLossSum / state.epochSteps,
        learningRate: currentRate,
      };
      if (validationSource !== undefined) {
        const validationStarted = performance.now();
        const collected = await collectOutcomes(model, validationSource, 1024, lossFn);
        // Validation runs on the device too, so it counts towards device-seconds and the budget.
        const validationSeconds = (performance.now() - validationStarted) / 1000;
        state.deviceSeconds += validationSeconds;
        uncharged += validationSeconds;
        logs.val_loss = collected.meanLoss ?? Number.NaN;
        if (options.metrics !== undefined && options.metrics.length > 0) {
          const report = reportOf(collected, { metrics: options.metrics });
          for (const name of options.metrics)
            logs[`val_${name}`] = report.overall[name] ?? Number.NaN;
        }
      }
      const finishedEpoch = state.epoch;
      for (const callback of callbacks) await callback.onEpochEnd?.(finishedEpoch, logs, context);
      state.history.push(logs);
      state.epoch++;
      state.stepInEpoch = 0;
      state.shuffleState = null;
      state.cursor = null;
      state.epochLossSum = 0;
      state.epochSteps = 0;
      const epochMetrics: Record<string, number> = { epoch: finishedEpoch };
      for (const [key, value] of Object.entries(logs)) {
        if (key === 'learningRate') continue;
        epochMetrics[key === 'loss' ? 'epoch_loss' : key] = value;
      }
      await logger?.logMetrics(epochMetrics, { step: state.step });
      await charge(true);
      if (stopRequested)
        state.finished =
          stopReason === undefined
            ? { status: 'early-stopped' }
            : { status: 'early-stopped', reason: stopReason };
      else if (state.epoch >= epochs) state.finished = { status: 'completed' };
      await writeCheckpoint(logs);
      if (budgetStop !== undefined || signalled) {
        interrupted = true;
      }
    }
    if (budgetStop !== undefined) {
      status = 'budget-exhausted';
      stopReason = budgetStop;
    } else if (signalled) {
      status = 'interrupted';
      stopReason = 'SIGTERM';
    } else if (state.finished !== null) {
      status = state.finished.status;
      stopReason = state.finished.reason;
    } else if (stopRequested) {
      status = 'early-stopped';
      state.finished = stopReason === undefined ? { status } : { status, reason: stopReason };
    }
    await charge(true);
    context.status = status;
    for (const callback of callbacks) await callback.onTrainEnd?.(context);
    await logger?.setTags?.({ 'mlinfra.trainer.status': status });
    if (lastCheckpoint !== undefined)
      await logger?.logArtifact?.('checkpoint', { digest: lastCheckpoint });
  } finally {
    if (handleSignals) process.off('SIGTERM', onSignal);
  }
  if (signalled && sigtermMode === 'exit' && process.listenerCount('SIGTERM') === 0) {
    // The checkpoint is written; let the signal do what it would have done without us. When the
    // application has its own SIGTERM handlers they already ran, so return and let them shut down.
    process.kill(process.pid, 'SIGTERM');
    await new Promise(() => undefined);
  }
  const result: TrainResult = {
    status,
    model,
    backend,
    // A resumed run keeps the seed it started with.
    seed: state.seed,
    epochs: state.epoch,
    steps: state.step,
    history: state.history,
    deviceSeconds: state.deviceSeconds,
    samplesPerSecond: sessionSeconds > 0 ? sessionRows / sessionSeconds : 0,
    checkpointSeconds,
    wallSeconds: (performance.now() - callStarted) / 1000,
  };
  if (stopReason !== undefined) result.stopReason = stopReason;
  if (lastCheckpoint !== undefined) result.checkpoint = lastCheckpoint;
  if (bestCheckpoint !== undefined) result.bestCheckpoint = bestCheckpoint;
  if (resumedFrom !== undefined) result.resumedFrom = resumedFrom;
  return result;
}
