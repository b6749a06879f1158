import { MlinfraError } from '@mlinfra/core';
import type * as tf from '@tensorflow/tfjs';
import type { LearningRateSchedule } from '../callbacks/schedules.js';
import type { EpochLogs, StepLogs, TrainingCallback, TrainingContext } from '../callbacks/types.js';
import { collectOutcomes, reportOf } from '../evaluate/evaluate.js';
import type { MetricName } from '../evaluate/metrics.js';
import type { BudgetMeter } from './budget-meter.js';
import type { Checkpointer } from './checkpointer.js';
import type { DataSource, PreparedBatch } from './data.js';
import { earlyStopped, type StopRequest } from './final-status.js';
import type { RunLogger } from './interfaces.js';
import { setLearningRate } from './optimizer.js';
import type { RandomState, SeededRandom } from './rng.js';
import type { SigtermLatch } from './sigterm-latch.js';
import type { TrainerState } from './trainer-state.js';

/** Rows per validation prediction call. */
const VALIDATION_BATCH_SIZE = 1024;

/** Everything the epoch loop reads and updates. */
export interface EpochLoop {
  state: TrainerState;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  step: (batch: PreparedBatch) => Promise<number>;
  schedule: LearningRateSchedule;
  lossFn: (labels: tf.Tensor, predictions: tf.Tensor) => tf.Scalar;
  trainSource: DataSource;
  validationSource: DataSource | undefined;
  metrics: readonly MetricName[] | undefined;
  batchSize: number;
  epochs: number;
  rng: SeededRandom;
  callbacks: readonly TrainingCallback[];
  context: TrainingContext;
  logger: RunLogger | undefined;
  meter: BudgetMeter;
  latch: SigtermLatch;
  checkpointer: Checkpointer;
  stop: StopRequest;
  /** This call's counters: rows and device-seconds of steps, the last learning rate, the last yield. */
  session: { rows: number; seconds: number; rate: number; lastYield: number };
}

/** Runs epochs until the run finishes or is interrupted (budget, SIGTERM, a stop request mid-epoch). */
export async function runEpochs(loop: EpochLoop): Promise<void> {
  const { state } = loop;
  while (state.finished === null && state.epoch < loop.epochs) {
    if (await runEpoch(loop)) return;
  }
}

/** One epoch (or its rest, when resuming). Returns true when training must stop now. */
async function runEpoch(loop: EpochLoop): Promise<boolean> {
  const { state, rng, callbacks, context } = loop;
  if (state.stepInEpoch === 0 && state.shuffleState === null) {
    state.shuffleState = [rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
  }
  for (const callback of callbacks) await callback.onEpochBegin?.(state.epoch, context);
  const batches = loop.trainSource.batches(
    {
      epoch: state.epoch,
      skipBatches: state.stepInEpoch,
      cursor: state.cursor,
      shuffleState: state.shuffleState as RandomState,
    },
    loop.batchSize,
  );
  for await (const batch of batches) {
    if (await trainBatch(loop, batch)) return true;
  }
  await endEpoch(loop);
  return loop.meter.stopReason !== undefined || loop.latch.signalled;
}

/** One step and what follows it. Returns true when training must stop now (after checkpointing). */
async function trainBatch(loop: EpochLoop, batch: PreparedBatch): Promise<boolean> {
  const { state, session, callbacks, context } = loop;
  session.rate = loop.schedule(state.step, state.epoch) * state.learningRateFactor;
  setLearningRate(loop.optimizer, session.rate);
  const started = performance.now();
  const loss = await loop.step(batch);
  const seconds = (performance.now() - started) / 1000;
  state.deviceSeconds += seconds;
  loop.meter.add(seconds);
  session.seconds += seconds;
  session.rows += batch.rows;
  state.step++;
  state.stepInEpoch++;
  state.epochLossSum += loss;
  state.epochSteps++;
  state.cursor = loop.trainSource.cursor();
  if (performance.now() - session.lastYield > 50) {
    // Steps on wasm/cpu are synchronous: yield now and then so SIGTERM handlers and timers run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    session.lastYield = performance.now();
  }
  if (!Number.isFinite(loss)) {
    throw new MlinfraError(
      `The loss became ${loss} at step ${state.step}; lower the learning rate, scale the features, or check the labels for NaN`,
      'VALIDATION',
    );
  }
  const stepLogs: StepLogs = { loss, learningRate: session.rate, rows: batch.rows };
  for (const callback of callbacks) await callback.onBatchEnd?.(state.step, stepLogs, context);
  await loop.logger?.logMetrics({ loss, lr: session.rate }, { step: state.step });
  await loop.meter.charge(false);
  const budgetStop = loop.meter.stopReason !== undefined;
  if (budgetStop || loop.latch.signalled || loop.stop.requested) {
    if (!budgetStop && !loop.latch.signalled) state.finished = earlyStopped(loop.stop.reason);
    await loop.checkpointer.write();
    return true;
  }
  if (loop.checkpointer.due(state.step)) await loop.checkpointer.write();
  return false;
}

/** Epoch end: validation, callbacks, history, metrics, budget, the epoch-end checkpoint. */
async function endEpoch(loop: EpochLoop): Promise<void> {
  const { state, callbacks, context } = loop;
  const logs: EpochLogs = {
    loss: state.epochSteps === 0 ? Number.NaN : state.epochLossSum / state.epochSteps,
    learningRate: loop.session.rate,
  };
  if (loop.validationSource !== undefined) await validate(loop, loop.validationSource, logs);
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
  await loop.logger?.logMetrics(epochMetrics, { step: state.step });
  await loop.meter.charge(true);
  if (loop.stop.requested) state.finished = earlyStopped(loop.stop.reason);
  else if (state.epoch >= loop.epochs) state.finished = { status: 'completed' };
  await loop.checkpointer.write(logs);
}

/** Adds `val_loss` and `val_<metric>` to `logs`. */
async function validate(loop: EpochLoop, source: DataSource, logs: EpochLogs): Promise<void> {
  const started = performance.now();
  const collected = await collectOutcomes(loop.model, source, VALIDATION_BATCH_SIZE, loop.lossFn);
  // Validation runs on the device too, so it counts towards device-seconds and the budget.
  const seconds = (performance.now() - started) / 1000;
  loop.state.deviceSeconds += seconds;
  loop.meter.add(seconds);
  logs.val_loss = collected.meanLoss ?? Number.NaN;
  const metrics = loop.metrics ?? [];
  if (metrics.length === 0) return;
  const report = reportOf(collected, { metrics: [...metrics] });
  for (const name of metrics) logs[`val_${name}`] = report.overall[name] ?? Number.NaN;
}
