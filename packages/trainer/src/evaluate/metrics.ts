import { ValidationError } from '@mlinfra/core';

/** Kind of prediction task. */
export type Task = 'binary' | 'multiclass' | 'regression';

/** Metric names `evaluate` computes. */
export type MetricName =
  | 'accuracy'
  | 'precision'
  | 'recall'
  | 'f1'
  | 'rocAuc'
  | 'logLoss'
  | 'rmse'
  | 'mae'
  | 'r2';

/** Every metric name. */
export const METRIC_NAMES: readonly MetricName[] = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'rocAuc',
  'logLoss',
  'rmse',
  'mae',
  'r2',
];

/** Metrics computed when none are asked for. */
export const DEFAULT_METRICS: Record<Task, MetricName[]> = {
  binary: ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss'],
  multiclass: ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss'],
  regression: ['rmse', 'mae', 'r2'],
};

const CLASSIFICATION_ONLY = new Set<MetricName>([
  'accuracy',
  'precision',
  'recall',
  'f1',
  'rocAuc',
  'logLoss',
]);
const EPSILON = 1e-15;

/** Predictions and labels of a set of rows, row-major. */
export interface Outcomes {
  /** Labels: width 1 (class index, 0/1 or target) or one-hot of width `predictionWidth`. */
  labels: Float64Array;
  labelWidth: number;
  /** Model outputs: width 1 (probability of class 1, or the regression value) or class probabilities. */
  predictions: Float64Array;
  predictionWidth: number;
}

/** Picks the task from the shapes and labels: several outputs is multiclass, one output with 0/1 labels is binary. */
export function inferTask(outcomes: Outcomes): Task {
  if (outcomes.predictionWidth > 1) return 'multiclass';
  for (const label of outcomes.labels) if (label !== 0 && label !== 1) return 'regression';
  return 'binary';
}

/** ROC AUC by the rank-sum (Mann-Whitney U) formula with average ranks for ties. NaN with one class only. */
export function rocAuc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, index) => index).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1] as number] === scores[order[start] as number])
      end++;
    const averageRank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index++) {
      if (positive[order[index] as number]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function classOf(values: Float64Array, width: number, row: number): number {
  if (width === 1) return Math.round(values[row] as number);
  let best = 0;
  for (let column = 1; column < width; column++) {
    if ((values[row * width + column] as number) > (values[row * width + best] as number))
      best = column;
  }
  return best;
}

/**
 * Computes metrics over all rows. Binary: `threshold` on the positive-class probability;
 * precision/recall/F1 of class 1. Multiclass: macro averages; ROC AUC one-vs-rest macro. A metric
 * that is undefined for the data (AUC with one class, precision with no positive predictions) is NaN.
 */
export function computeMetrics(
  outcomes: Outcomes,
  task: Task,
  names: readonly MetricName[],
  threshold = 0.5,
): Record<string, number> {
  const rows = outcomes.labels.length / outcomes.labelWidth;
  const out: Record<string, number> = { count: rows };
  for (const name of names) {
    if (task === 'regression' && CLASSIFICATION_ONLY.has(name)) {
      throw new ValidationError(
        `Metric "${name}" needs a classification task but this one is regression; use rmse, mae or r2, or set task`,
      );
    }
  }
  if (rows === 0) {
    for (const name of names) out[name] = Number.NaN;
    return out;
  }
  if (task === 'regression') {
    let squared = 0;
    let absolute = 0;
    let mean = 0;
    for (let row = 0; row < rows; row++)
      mean += outcomes.labels[row * outcomes.labelWidth] as number;
    mean /= rows;
    let total = 0;
    for (let row = 0; row < rows; row++) {
      const label = outcomes.labels[row * outcomes.labelWidth] as number;
      const error = (outcomes.predictions[row * outcomes.predictionWidth] as number) - label;
      squared += error * error;
      absolute += Math.abs(error);
      total += (label - mean) ** 2;
    }
    const values: Record<string, number> = {
      rmse: Math.sqrt(squared / rows),
      mae: absolute / rows,
      r2: total === 0 ? Number.NaN : 1 - squared / total,
    };
    for (const name of names) out[name] = values[name] ?? Number.NaN;
    return out;
  }
  const classes = task === 'binary' ? 2 : outcomes.predictionWidth;
  const truth = new Int32Array(rows);
  const predicted = new Int32Array(rows);
  const probability = (row: number, cls: number): number => {
    if (task === 'binary') {
      const p1 =
        outcomes.predictionWidth === 1
          ? (outcomes.predictions[row] as number)
          : (outcomes.predictions[row * outcomes.predictionWidth + 1] as number);
      return cls === 1 ? p1 : 1 - p1;
    }
    return outcomes.predictions[row * outcomes.predictionWidth + cls] as number;
  };
  let logLoss = 0;
  for (let row = 0; row < rows; row++) {
    truth[row] = classOf(outcomes.labels, outcomes.labelWidth, row);
    predicted[row] =
      task === 'binary'
        ? probability(row, 1) >= threshold
          ? 1
          : 0
        : classOf(outcomes.predictions, outcomes.predictionWidth, row);
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, probability(row, truth[row] as number)));
    logLoss -= Math.log(p);
  }
  let correct = 0;
  for (let row = 0; row < rows; row++) if (truth[row] === predicted[row]) correct++;
  const perClass = (cls: number) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let row = 0; row < rows; row++) {
      const isTrue = truth[row] === cls;
      const isPredicted = predicted[row] === cls;
      if (isTrue && isPredicted) tp++;
      else if (isPredicted) fp++;
      else if (isTrue) fn++;
    }
    const precision = tp + fp === 0 ? Number.NaN : tp / (tp + fp);
    const recall = tp + fn === 0 ? Number.NaN : tp / (tp + fn);
    const f1 = tp === 0 ? (tp + fp + fn === 0 ? Number.NaN : 0) : (2 * tp) / (2 * tp + fp + fn);
    const auc = rocAuc(
      Array.from(truth, (value) => value === cls),
      Array.from({ length: rows }, (_, row) => probability(row, cls)),
    );
    return { precision, recall, f1, auc };
  };
  const scored =
    task === 'binary' ? [perClass(1)] : Array.from({ length: classes }, (_, cls) => perClass(cls));
  const macro = (key: 'precision' | 'recall' | 'f1' | 'auc') => {
    const values = scored.map((entry) => entry[key]).filter((value) => !Number.isNaN(value));
    return values.length === 0
      ? Number.NaN
      : values.reduce((sum, value) => sum + value, 0) / values.length;
  };
  const values: Record<string, number> = {
    accuracy: correct / rows,
    precision: macro('precision'),
    recall: macro('recall'),
    f1: macro('f1'),
    rocAuc: macro('auc'),
    logLoss: logLoss / rows,
  };
  for (const name of names) {
    if (name === 'rmse' || name === 'mae' || name === 'r2') {
      throw new ValidationError(
        `Metric "${name}" needs a regression task; use accuracy, precision, recall, f1, rocAuc or logLoss`,
      );
    }
    out[name] = values[name] ?? Number.NaN;
  }
  return out;
}
