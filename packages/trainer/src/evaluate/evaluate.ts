import { parseOptions, ValidationError } from '@mlinfra/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { type DataSource, type SliceColumn, type TrainData, toDataSource } from '../train/data.js';
import {
  computeMetrics,
  DEFAULT_METRICS,
  inferTask,
  METRIC_NAMES,
  type MetricName,
  type Outcomes,
  type Task,
} from './metrics.js';

/** Metrics of a group of rows: `count` plus each requested metric (NaN where undefined). */
export type MetricValues = Record<string, number>;

/** What {@link evaluate} returns; registry promotion gates read it. */
export interface EvaluationReport {
  /** The task the metrics were computed for. */
  task: Task;
  /** Metrics over all rows. */
  overall: MetricValues;
  /** Per slice column, per value (as a string; null values under `'null'`): the same metrics. */
  slices: Record<string, Record<string, MetricValues>>;
}

const optionsShape = {
  /** Metrics to compute. Default by task: classification accuracy, precision, recall, f1, rocAuc, logLoss; regression rmse, mae, r2. */
  metrics: z.array(z.enum(METRIC_NAMES as [MetricName, ...MetricName[]])).optional(),
  /** Side columns (from the data's `columns`) to report metrics per value of. Default none. */
  slices: z.array(z.string().min(1)).optional(),
  /** Task. Default `'auto'`: multiclass for several outputs, binary for 0/1 labels, else regression. */
  task: z.enum(['binary', 'multiclass', 'regression', 'auto']).optional(),
  /** Probability threshold for binary decisions, in (0, 1). Default 0.5. */
  threshold: z.number().gt(0).lt(1).optional(),
  /** Rows per prediction call. Default 1024. */
  batchSize: z.number().int().positive().optional(),
};

const optionsSchema: z.ZodObject<typeof optionsShape, z.core.$strict> =
  z.strictObject(optionsShape);

/** Options of {@link evaluate}. */
export type EvaluateOptions = z.input<typeof optionsSchema>;

/** Predictions, labels, side columns and (optionally) the mean loss over a data source. */
export interface CollectedOutcomes {
  outcomes: Outcomes;
  columns: Record<string, unknown[]>;
  meanLoss: number | undefined;
}

/** Runs the model over every batch of `source` (inference mode). */
export async function collectOutcomes(
  model: tf.LayersModel,
  source: DataSource,
  batchSize: number,
  lossFn?: (labels: tf.Tensor, predictions: tf.Tensor) => tf.Scalar,
): Promise<CollectedOutcomes> {
  const labels: Float32Array[] = [];
  const predictions: Float32Array[] = [];
  const columns: Record<string, unknown[]> = {};
  let rows = 0;
  let labelWidth = 1;
  let predictionWidth = 1;
  let lossSum = 0;
  const zero = [0, 0, 0, 0] as [number, number, number, number];
  for await (const batch of source.batches(
    { epoch: 0, skipBatches: 0, cursor: null, shuffleState: zero },
    batchSize,
  )) {
    try {
      const output = model.predict(batch.x, { batchSize }) as tf.Tensor | tf.Tensor[];
      const predicted = Array.isArray(output) ? (output[0] as tf.Tensor) : output;
      if (lossFn !== undefined) {
        const loss = tf.tidy(() => lossFn(batch.y, predicted));
        lossSum += ((await loss.data())[0] as number) * batch.rows;
        loss.dispose();
      }
      const predictedData = (await predicted.data()) as Float32Array;
      const labelData = (await batch.y.data()) as Float32Array;
      tf.dispose(output);
      predictionWidth = predictedData.length / batch.rows;
      labelWidth = labelData.length / batch.rows;
      predictions.push(predictedData);
      labels.push(labelData);
      for (const [name, values] of Object.entries(batch.columns ?? {})) {
        const target = columns[name] ?? [];
        columns[name] = target;
        for (let index = 0; index < batch.rows; index++)
          target.push((values as SliceColumn)[index]);
      }
      rows += batch.rows;
    } finally {
      if (batch.owned) tf.dispose([batch.x, batch.y]);
    }
  }
  const join = (parts: Float32Array[]) => {
    const out = new Float64Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };
  return {
    outcomes: { labels: join(labels), labelWidth, predictions: join(predictions), predictionWidth },
    columns,
    meanLoss: lossFn === undefined || rows === 0 ? undefined : lossSum / rows,
  };
}

function subset(outcomes: Outcomes, rows: readonly number[]): Outcomes {
  const labels = new Float64Array(rows.length * outcomes.labelWidth);
  const predictions = new Float64Array(rows.length * outcomes.predictionWidth);
  rows.forEach((row, index) => {
    labels.set(
      outcomes.labels.subarray(row * outcomes.labelWidth, (row + 1) * outcomes.labelWidth),
      index * outcomes.labelWidth,
    );
    predictions.set(
      outcomes.predictions.subarray(
        row * outcomes.predictionWidth,
        (row + 1) * outcomes.predictionWidth,
      ),
      index * outcomes.predictionWidth,
    );
  });
  return {
    labels,
    labelWidth: outcomes.labelWidth,
    predictions,
    predictionWidth: outcomes.predictionWidth,
  };
}

/** Builds a report from collected outcomes. */
export function reportOf(collected: CollectedOutcomes, options: EvaluateOptions): EvaluationReport {
  const task =
    options.task === undefined || options.task === 'auto'
      ? inferTask(collected.outcomes)
      : options.task;
  const names = options.metrics ?? DEFAULT_METRICS[task];
  const threshold = options.threshold ?? 0.5;
  const overall = computeMetrics(collected.outcomes, task, names, threshold);
  const slices: EvaluationReport['slices'] = {};
  for (const column of options.slices ?? []) {
    const values = collected.columns[column];
    if (values === undefined) {
      throw new ValidationError(
        `Slice column "${column}" is not in the data; add it to the data's columns (${Object.keys(collected.columns).join(', ') || 'none given'})`,
      );
    }
    const groups = new Map<string, number[]>();
    values.forEach((value, row) => {
      const key = value === null || value === undefined ? 'null' : String(value);
      const group = groups.get(key) ?? [];
      group.push(row);
      groups.set(key, group);
    });
    const perValue: Record<string, MetricValues> = {};
    for (const key of [...groups.keys()].sort()) {
      perValue[key] = computeMetrics(
        subset(collected.outcomes, groups.get(key) as number[]),
        task,
        names,
        threshold,
      );
    }
    slices[column] = perValue;
  }
  return { task, overall, slices };
}

/**
 * Evaluates a model on labelled data: accuracy, precision, recall, F1, ROC AUC, log loss (classification)
 * or RMSE, MAE, R² (regression), over all rows and per value of each slice column.
 *
 * @param model a tfjs LayersModel (e.g. `loaded.model` from loadModelArtifact).
 * @param data `{ x, y, columns? }` in memory, or batches `{ x, y, columns? }`.
 * @throws ValidationError for bad options, unknown slice columns or metrics that do not fit the task.
 *
 * @example
 * ```ts
 * const report = await evaluate(model, { x, y, columns: { region } }, { slices: ['region'] });
 * report.overall.rocAuc; report.slices.region.eu.accuracy;
 * ```
 */
export async function evaluate(
  model: tf.LayersModel,
  data: TrainData,
  options: EvaluateOptions = {},
): Promise<EvaluationReport> {
  const parsed = parseOptions(optionsSchema, options, 'evaluate options') as EvaluateOptions;
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof (model as tf.LayersModel).predict !== 'function'
  ) {
    throw new ValidationError('evaluate() needs a tfjs LayersModel as its first argument');
  }
  const source = await toDataSource(
    data,
    {
      inputShape: model.inputs[0]?.shape.slice(1) ?? [],
      outputShape: model.outputs[0]?.shape.slice(1) ?? [],
      shuffle: false,
    },
    'evaluate data',
  );
  const collected = await collectOutcomes(model, source, parsed.batchSize ?? 1024);
  return reportOf(collected, parsed);
}

/** Evaluation metrics in the shape `@mlinfra/registry`'s `registerModel` takes. */
export interface RegistryMetrics {
  /** Overall metrics, finite values only. */
  metrics: Record<string, number>;
  /** Per slice, keyed `column=value` (e.g. `region=eu`), finite values only. */
  slices: Record<string, Record<string, number>>;
}

function finiteOnly(values: MetricValues): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) out[name] = value;
  return out;
}

/**
 * Flattens a report for a model registry: slices keyed `column=value`, and undefined (NaN)
 * metrics left out, since registries store finite numbers only.
 *
 * @example
 * ```ts
 * await registry.registerModel('churn', { artifact: id, ...registryMetrics(report) });
 * ```
 */
export function registryMetrics(report: EvaluationReport): RegistryMetrics {
  const slices: RegistryMetrics['slices'] = {};
  for (const [column, values] of Object.entries(report.slices)) {
    for (const [value, metrics] of Object.entries(values))
      slices[`${column}=${value}`] = finiteOnly(metrics);
  }
  return { metrics: finiteOnly(report.overall), slices };
}
