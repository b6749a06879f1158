/** Score bins of the ROC AUC histogram: scores in [0, 1] are binned to 1/1024. */
export const AUC_BINS = 1024;

/** Mergeable accumulators of model quality over one window. JSON-serializable. */
export interface PerformanceState {
  task: 'classification' | 'regression';
  labeled: number;
  expired: number;
  /** classification: correct predictions */
  correct: number;
  /** classification with probabilities: sum of log losses, and how many pairs had a probability */
  logLossSum: number;
  probabilityCount: number;
  /** classification with probabilities: score histograms of positive and negative labels */
  positives: number[];
  negatives: number[];
  /** regression */
  sumSquaredError: number;
  sumAbsoluteError: number;
  sumError: number;
}

export function emptyPerformance(task: 'classification' | 'regression'): PerformanceState {
  return {
    task,
    labeled: 0,
    expired: 0,
    correct: 0,
    logLossSum: 0,
    probabilityCount: 0,
    positives: task === 'classification' ? new Array(AUC_BINS).fill(0) : [],
    negatives: task === 'classification' ? new Array(AUC_BINS).fill(0) : [],
    sumSquaredError: 0,
    sumAbsoluteError: 0,
    sumError: 0,
  };
}

export function mergePerformance(a: PerformanceState, b: PerformanceState): PerformanceState {
  return {
    task: a.task,
    labeled: a.labeled + b.labeled,
    expired: a.expired + b.expired,
    correct: a.correct + b.correct,
    logLossSum: a.logLossSum + b.logLossSum,
    probabilityCount: a.probabilityCount + b.probabilityCount,
    positives: a.positives.map((v, i) => v + (b.positives[i] ?? 0)),
    negatives: a.negatives.map((v, i) => v + (b.negatives[i] ?? 0)),
    sumSquaredError: a.sumSquaredError + b.sumSquaredError,
    sumAbsoluteError: a.sumAbsoluteError + b.sumAbsoluteError,
    sumError: a.sumError + b.sumError,
  };
}

const LOG_EPS = 1e-15;

/**
 * Adds one (prediction, label) pair. Classification: a numeric prediction in [0, 1] is the
 * probability of the positive class (predicted positive at >= 0.5); any other prediction is a class
 * compared with the label for accuracy. `isPositive` tells whether a label is the positive class.
 */
export function addPair(
  state: PerformanceState,
  prediction: unknown,
  label: unknown,
  isPositive: (label: unknown) => boolean,
): void {
  state.labeled++;
  if (state.task === 'regression') {
    const error = Number(prediction) - Number(label);
    state.sumSquaredError += error * error;
    state.sumAbsoluteError += Math.abs(error);
    state.sumError += error;
    return;
  }
  if (typeof prediction === 'number' && prediction >= 0 && prediction <= 1) {
    const positive = isPositive(label);
    if (prediction >= 0.5 === positive) state.correct++;
    const p = Math.min(1 - LOG_EPS, Math.max(LOG_EPS, prediction));
    state.logLossSum += positive ? -Math.log(p) : -Math.log(1 - p);
    state.probabilityCount++;
    const bin = Math.min(AUC_BINS - 1, Math.floor(prediction * AUC_BINS));
    const hist = positive ? state.positives : state.negatives;
    hist[bin] = (hist[bin] ?? 0) + 1;
    return;
  }
  if (String(prediction) === String(label)) state.correct++;
}

/** ROC AUC from score histograms (pairs in the same bin count as ties). */
function rocAuc(positives: number[], negatives: number[]): number | null {
  const totalPositive = positives.reduce((s, v) => s + v, 0);
  const totalNegative = negatives.reduce((s, v) => s + v, 0);
  if (totalPositive === 0 || totalNegative === 0) return null;
  let negativesBelow = 0;
  let wins = 0;
  for (let i = 0; i < positives.length; i++) {
    const p = positives[i] ?? 0;
    const n = negatives[i] ?? 0;
    wins += p * (negativesBelow + n / 2);
    negativesBelow += n;
  }
  return wins / (totalPositive * totalNegative);
}

/** Metrics of a window: accuracy, ROC AUC and log loss (classification) or RMSE, MAE and bias (regression). */
export function performanceMetrics(state: PerformanceState): Record<string, number | null> {
  const n = state.labeled;
  if (state.task === 'regression') {
    return {
      rmse: n ? Math.sqrt(state.sumSquaredError / n) : null,
      mae: n ? state.sumAbsoluteError / n : null,
      bias: n ? state.sumError / n : null,
    };
  }
  return {
    accuracy: n ? state.correct / n : null,
    rocAuc: rocAuc(state.positives, state.negatives),
    logLoss: state.probabilityCount ? state.logLossSum / state.probabilityCount : null,
  };
}

/** Metrics where a smaller value is better. */
export const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'logLoss']);
