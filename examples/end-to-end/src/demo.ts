import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createStore,
  MlinfraError,
  type Store,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import {
  budgetGuard,
  createBudget,
  estimateServing,
  estimateTraining,
  formatMoney,
  money,
  renderReport,
} from '@mlinfra/cost';
import {
  type Batch,
  type BatchCursor,
  type Expectation,
  type FeatureTransform,
  fitFeatures,
  openDatasets,
  type Version,
} from '@mlinfra/datasets';
import { detectDrift, profile, renderHtmlReport } from '@mlinfra/drift';
import { openRegistry } from '@mlinfra/registry';
import { createJsonlSink, createServer, type PredictionRecord } from '@mlinfra/serving';
import {
  earlyStopping,
  evaluate,
  type JsonValue,
  listCheckpoints,
  saveModelArtifact,
  type TrainingCallback,
  train,
  type XYBatch,
} from '@mlinfra/trainer';
import * as tf from '@tensorflow/tfjs';
import { renderSummaryHtml } from './summary-html.js';
import { loadSeattleWeather, WEATHER_CLASSES, type WeatherDay } from './weather-data.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The mlinfra home (store, registry.db) the demo fills. It must be empty or a previous demo home. */
  home: string;
  /** Folder for the reports (HTML, JSON, the prediction log). */
  out: string;
  /** Shortened setting for CI: fewer epochs and less traffic. Default false. */
  quick?: boolean;
  /** Training epochs. Default 40 (quick: 6). */
  epochs?: number;
  /** Prints one progress line. Default `console.log`. */
  log?: (line: string) => void;
}

/** What the demo did, as written to `<out>/summary.json`. */
export interface DemoSummary {
  quick: boolean;
  home: string;
  seconds: number;
  dataset: {
    name: string;
    versions: Array<{ id: string; rows: number; message: string }>;
    tag: string;
    rejectedCommit: string;
    trainRows: number;
    validationRows: number;
    testRows: number;
  };
  training: {
    runId: string;
    status: string;
    backend: string;
    epochs: number;
    steps: number;
    seconds: number;
    samplesPerSecond: number;
    finalLoss: number;
    checkpoint: string | null;
    deviceSeconds: number;
  };
  evaluation: Record<string, number>;
  model: {
    name: string;
    version: number;
    artifact: string;
    alias: string;
    promoted: boolean;
    checks: Array<{ metric: string; passed: boolean; reason: string }>;
  };
  serving: {
    url: string;
    requests: number;
    rows: number;
    failed: number;
    latencyMsP50: number;
    latencyMsP95: number;
    rowsPerSecond: number;
    loggedRecords: number;
    predictedClasses: Record<string, number>;
  };
  drift: {
    referenceProfile: string;
    datasetDrift: boolean;
    driftShare: number;
    driftedColumns: string[];
    columns: Array<{ column: string; test: string; statistic: number; drifted: boolean }>;
  };
  cost: {
    budgetLimit: string;
    budgetSpent: string;
    budgetStopped: boolean;
    servingCostPerMillionPredictions: string;
    fullScaleTrainingOnDemand: string;
    fullScaleTrainingSpot: string;
  };
  reports: { summary: string; drift: string; cost: string; json: string; predictions: string };
}

const DATASET = 'seattle-weather';
const MODEL = 'seattle-weather';
const FEATURE_COLUMNS = ['precipitation', 'temp_max', 'temp_min', 'wind', 'month'] as const;
const MARKER = '.mlinfra-demo-home';

/** The schema every version of the dataset must fit (enforced by `commit`). */
export const WEATHER_SCHEMA: TableSchema = {
  columns: [
    { name: 'date', type: 'string', unique: true, description: 'Day, YYYY-MM-DD (split key)' },
    { name: 'month', type: 'int32', min: 1, max: 12, description: 'Calendar month' },
    { name: 'precipitation', type: 'float64', min: 0, description: 'mm' },
    { name: 'temp_max', type: 'float64', min: -40, max: 50, description: 'degrees C' },
    { name: 'temp_min', type: 'float64', min: -40, max: 50, description: 'degrees C' },
    { name: 'wind', type: 'float64', min: 0, description: 'm/s' },
    { name: 'weather', type: 'category', categories: [...WEATHER_CLASSES], description: 'label' },
  ],
};

const EXPECTATIONS: Expectation[] = [
  { type: 'rowCount', min: 300 },
  { type: 'rowCountChange', maxDecrease: 0 },
  { type: 'notNull', column: 'weather' },
  { type: 'between', column: 'precipitation', min: 0, max: 200 },
  { type: 'inSet', column: 'weather', values: [...WEATHER_CLASSES] },
  { type: 'meanChange', column: 'temp_max', maxStd: 1 },
];

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) {
    if (values[index]! > values[best]!) best = index;
  }
  return best;
}

/** Refuses to wipe a folder the demo did not create, then starts it afresh. */
async function freshHome(home: string): Promise<void> {
  const { readdir, rm } = await import('node:fs/promises');
  let entries: string[] = [];
  try {
    entries = await readdir(home);
  } catch {
    entries = [];
  }
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new ValidationError(
      `The demo home ${home} is not empty and was not made by the demo; pass an empty folder with --home (the demo starts from scratch and deletes what it made before)`,
    );
  }
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  await writeFile(join(home, MARKER), 'made by examples/end-to-end; deleted on the next run\n');
}

/** Labels of a batch as class indices. */
function labelsOf(weather: ArrayLike<string | null>, size: number): Float32Array {
  const y = new Float32Array(size);
  for (let row = 0; row < size; row++) {
    const index = (WEATHER_CLASSES as readonly string[]).indexOf(weather[row] ?? '');
    if (index < 0) throw new Error(`Unknown weather label ${String(weather[row])}`);
    y[row] = index;
  }
  return y;
}

function toXY(transform: FeatureTransform, batch: Batch): XYBatch {
  return {
    x: transform.transform(batch),
    y: labelsOf(batch.columns.weather as Array<string | null>, batch.size),
  };
}

function rowsToXY(
  transform: FeatureTransform,
  rows: ReadonlyArray<Record<string, unknown>>,
): XYBatch & { columns: { season: string[] } } {
  return {
    x: transform.transform(rows),
    y: labelsOf(
      rows.map((row) => String(row.weather)),
      rows.length,
    ),
    columns: { season: rows.map((row) => seasonOf(Number(row.month))) },
  };
}

function seasonOf(month: number): string {
  if (month === 12 || month <= 2) return 'winter';
  if (month <= 5) return 'spring';
  if (month <= 8) return 'summer';
  return 'autumn';
}

function buildModel(width: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [width], units: 32, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 16, activation: 'relu' }));
  model.add(tf.layers.dense({ units: WEATHER_CLASSES.length, activation: 'softmax' }));
  return model;
}

function epochPrinter(epochs: number, log: (line: string) => void): TrainingCallback {
  const every = Math.max(1, Math.round(epochs / 8));
  return {
    name: 'demo-epoch-printer',
    onEpochEnd(epoch, logs) {
      if ((epoch + 1) % every !== 0 && epoch + 1 !== epochs) return;
      const parts = [`epoch ${String(epoch + 1).padStart(2)}/${epochs}`];
      for (const key of ['loss', 'val_loss', 'val_accuracy']) {
        const value = logs[key];
        if (value !== undefined) parts.push(`${key} ${value.toFixed(3)}`);
      }
      log(`    ${parts.join('  ')}`);
    },
  };
}

/**
 * Runs the whole platform on real data: commits Seattle's daily weather (vega-datasets) as
 * validated dataset versions, trains an MLP on the wasm backend with checkpoints and a budget,
 * logs the run, registers the model and promotes it to `@champion` through gates, serves it on
 * 127.0.0.1, sends the summer of 2015 as traffic, builds the drift report from the prediction log
 * against the training profile, and prints a cost report.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const quick = options.quick ?? false;
  const epochs = options.epochs ?? (quick ? 6 : 40);
  const log = options.log ?? ((line: string) => console.log(line));
  const home = resolve(options.home);
  const out = resolve(options.out);
  await freshHome(home);
  await mkdir(out, { recursive: true });
  const store: Store = createStore(home);
  const step = (index: number, title: string) =>
    log(`\n[${index}/7] ${title}  (${seconds(started)} s)`);

  // ------------------------------------------------------------------ 1. dataset versions
  step(1, 'Dataset: commit Seattle weather 2012-2014 as validated versions');
  const days = await loadSeattleWeather();
  const history = days.filter((day) => day.date < '2015-01-01');
  const datasets = openDatasets({ store, author: 'demo' });
  const versions: Version[] = [];
  versions.push(
    await datasets.commit(
      DATASET,
      history.filter((day) => day.date < '2014-01-01'),
      {
        schema: WEATHER_SCHEMA,
        expectations: EXPECTATIONS,
        message: 'Seattle daily weather 2012-2013 (vega-datasets 3.2.1)',
      },
    ),
  );
  versions.push(
    await datasets.commit(
      DATASET,
      history.filter((day) => day.date >= '2014-01-01'),
      { mode: 'append', expectations: EXPECTATIONS, message: 'Append 2014' },
    ),
  );
  for (const version of versions) {
    log(`    ${version.id.slice(0, 19)}  ${version.rowCount} rows  ${version.message}`);
  }
  let rejectedCommit = '';
  try {
    const bad: WeatherDay = {
      date: '2015-01-01',
      month: 1,
      precipitation: -3,
      temp_max: 8,
      temp_min: 2,
      wind: 3,
      weather: 'hail',
    };
    await datasets.commit(DATASET, [bad], {
      mode: 'append',
      expectations: EXPECTATIONS,
      message: 'bad row',
    });
    throw new Error('The dataset accepted a row with an unknown weather class');
  } catch (error) {
    if (!MlinfraError.isInstance(error)) throw error;
    const issues =
      error instanceof ValidationError
        ? error.issues.slice(0, 2).map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        : [];
    rejectedCommit = [error.message.split('\n')[0]!, ...issues].join('; ');
    log('    rejected a bad commit, nothing stored:');
    for (const issue of issues) log(`      - ${issue}`);
  }
  const head = versions.at(-1)!;
  await datasets.tag(DATASET, 'train-2012-2014', head.id);
  // The date is a unique key, not a distribution: leave it out of the drift part of the diff.
  const diff = await datasets.diff(DATASET, versions[0]!.id, head.id, {
    drift: { ignore: ['date'] },
  });
  log(
    `    diff v1 -> v2: ${diff.rows.change >= 0 ? '+' : ''}${diff.rows.change} rows, temp_max mean ${diff.columns.temp_max?.meanChange?.toFixed(2) ?? '?'} C, drift in ${
      diff.drift?.columns
        .filter((column) => column.drifted)
        .map((column) => column.column)
        .join(', ') || 'no column'
    }`,
  );

  // ------------------------------------------------------------------ 2. training
  step(2, `Training: MLP on the wasm backend, ${epochs} epochs, checkpoints and a budget`);
  const registry = await openRegistry({ store, url: join(home, 'registry.db') });
  try {
    const dataset = datasets.dataset(DATASET, head.id);
    const splits = dataset.split({
      key: 'date',
      fractions: { train: 0.8, validation: 0.1, test: 0.1 },
    });
    const trainSplit = splits.train!;
    const transform = await fitFeatures(trainSplit, {
      precipitation: 'standardize',
      temp_max: 'standardize',
      temp_min: 'standardize',
      wind: 'standardize',
      month: { kind: 'oneHot' },
    });
    const trainRows = await trainSplit.rows();
    const validationRows = await splits.validation!.rows();
    const testRows = await splits.test!.rows();
    const budget = await createBudget({
      store,
      name: 'demo/seattle-weather',
      limit: money('0.05', 'USD'),
      alerts: [0.5, 1],
      onAlert: (alert) =>
        log(
          `    budget alert: ${Math.round(alert.threshold * 100)}% of ${formatMoney(alert.limit)}`,
        ),
    });
    // Priced as the CPU instance the demo stands for; wasm training is charged as 'cpu' device time.
    const guard = budgetGuard(budget, { instance: 'c6i.xlarge', resource: 'training' });
    const seed = 42;
    const batchSize = 32;
    const run = await registry.startRun({
      experiment: 'seattle-weather',
      name: 'mlp-32-16',
      inputs: [head.id],
      tags: { example: 'end-to-end', quick: String(quick) },
    });
    const trainingStarted = performance.now();
    const result = await train({
      model: () => buildModel(transform.width),
      data: {
        // Streams from the dataset version with a resumable cursor (saved in each checkpoint).
        train: async ({ epoch, cursor }) => {
          const stream = trainSplit.batches({
            batchSize,
            shuffle: { seed },
            epoch,
            columns: [...FEATURE_COLUMNS, 'weather'],
            ...(cursor === undefined || cursor === null ? {} : { cursor: cursor as BatchCursor }),
          });
          async function* batches(): AsyncGenerator<XYBatch> {
            for await (const batch of stream) yield toXY(transform, batch);
          }
          return Object.assign(batches(), { cursor: () => stream.cursor() });
        },
        validation: rowsToXY(transform, validationRows),
      },
      epochs,
      batchSize,
      loss: 'sparseCategoricalCrossentropy',
      optimizer: { type: 'adam', learningRate: 0.01 },
      metrics: ['accuracy'],
      checkpoint: { store, name: `demo/${run.id}`, everySteps: 100, keepLast: 2 },
      budget: { guard, everySeconds: 1 },
      seed,
      logger: run,
      backend: 'wasm',
      callbacks: [
        epochPrinter(epochs, log),
        earlyStopping({ monitor: 'val_loss', patience: 8, restoreBestWeights: true }),
      ],
      onSigterm: 'ignore',
    });
    const trainingSeconds = seconds(trainingStarted);
    const checkpoints = await listCheckpoints(store, `demo/${run.id}`);
    const finalLoss = result.history.at(-1)?.loss ?? Number.NaN;
    log(
      `    ${checkpoints.recent.length} checkpoints kept in the store (newest at step ${checkpoints.recent.at(-1)?.step ?? '-'}; resume: 'latest' continues it); budget charged ${result.deviceSeconds.toFixed(1)} device-seconds`,
    );
    log(
      `    ${result.status} on ${result.backend.name}: ${result.steps} steps in ${trainingSeconds} s (${Math.round(result.samplesPerSecond)} rows/s), loss ${finalLoss.toFixed(3)}`,
    );

    // ------------------------------------------------------------------ 3. evaluate, register, promote
    step(3, 'Registry: evaluate on the test split, register, promote to @champion through gates');
    const evaluation = await evaluate(result.model, rowsToXY(transform, testRows), {
      task: 'multiclass',
      metrics: ['accuracy', 'f1', 'logLoss'],
      slices: ['season'],
      batchSize: 1024,
    });
    const metrics: Record<string, number> = {};
    for (const [key, value] of Object.entries(evaluation.overall)) {
      if (Number.isFinite(value)) metrics[key] = value;
    }
    const slices: Record<string, Record<string, number>> = {};
    for (const [value, values] of Object.entries(evaluation.slices.season ?? {})) {
      const accuracy = values.accuracy;
      if (accuracy !== undefined && Number.isFinite(accuracy)) {
        slices[`season=${value}`] = { accuracy };
      }
    }
    log(
      `    test: accuracy ${metrics.accuracy?.toFixed(3)}  f1 ${metrics.f1?.toFixed(3)}  logLoss ${metrics.logLoss?.toFixed(3)}  (${testRows.length} days)`,
    );
    const artifact = await saveModelArtifact(store, result.model, {
      signature: { features: [...transform.featureNames], labels: [...WEATHER_CLASSES] },
      transform: transform.toJSON() as unknown as JsonValue,
      lineage: {
        datasets: [head.id],
        run: run.id,
        seed,
        ...(result.checkpoint === undefined ? {} : { checkpoint: result.checkpoint }),
      },
      metadata: { metrics, classes: [...WEATHER_CLASSES] },
    });
    await run.logArtifact('model', { digest: artifact.id });
    await run.logMetrics(metrics, { step: result.steps });
    await run.end('finished');
    const registered = await registry.registerModel(MODEL, {
      artifact: artifact.id,
      run: run.id,
      signature: artifact.manifest.signature as unknown as JsonValue,
      metrics,
      slices,
      tags: { data: 'seattle-weather@train-2012-2014' },
      description: 'Weather type (drizzle, fog, rain, snow, sun) from daily measurements',
    });
    await registry.setApproval(MODEL, registered.version, {
      status: 'approved',
      reason: 'demo: test metrics reviewed',
    });
    // A refused promotion throws PromotionRefusedError (its message lists the failed checks).
    const promotion = await registry.promote(MODEL, registered.version, 'champion', {
      requireApproval: true,
      gates: [
        { metric: 'accuracy', min: quick ? 0.4 : 0.6, maxRegression: 0.02 },
        { metric: 'logLoss', higherIsBetter: false, max: 1.5 },
      ],
    });
    log(
      `    ${MODEL}/${registered.version} -> @champion: ${promotion.checks.map((check) => `${check.metric} ${check.passed ? 'ok' : 'FAILED'}`).join(', ')}`,
    );

    // ------------------------------------------------------------------ 4. serving
    step(4, 'Serving: KServe V2 server on 127.0.0.1, traffic from the summer of 2015');
    const predictionsPath = join(out, 'predictions.jsonl');
    await writeFile(predictionsPath, '');
    const server = createServer({
      models: [`${MODEL}@champion`],
      source: registry,
      store,
      backend: 'wasm',
      log: { sink: createJsonlSink({ path: predictionsPath }), flushIntervalMs: 100 },
      // The demo owns the process: no signal handlers, nothing that exits it.
      shutdown: { signals: [], exit: false },
    });
    const address = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${address.port}`;
    let requests = 0;
    let failed = 0;
    let servedRows = 0;
    const latencies: number[] = [];
    const predictedClasses: Record<string, number> = {};
    const servingStarted = performance.now();
    try {
      await server.ready();
      // A later, shifted period: June to September 2015, a record-warm summer in Seattle.
      const traffic = days.filter((day) => day.date >= '2015-06-01' && day.date < '2015-10-01');
      const perRequest = quick ? 8 : 1;
      const requestBodies: WeatherDay[][] = [];
      for (let index = 0; index < traffic.length; index += perRequest) {
        requestBodies.push(traffic.slice(index, index + perRequest));
      }
      const concurrency = 4;
      let next = 0;
      const worker = async () => {
        while (next < requestBodies.length) {
          const body = requestBodies[next++]!;
          const instances = body.map((day) => ({
            precipitation: day.precipitation,
            temp_max: day.temp_max,
            temp_min: day.temp_min,
            wind: day.wind,
            month: day.month,
          }));
          const sent = performance.now();
          const response = await fetch(`${url}/v1/models/${MODEL}:predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances }),
          });
          latencies.push(performance.now() - sent);
          requests++;
          if (!response.ok) {
            failed++;
            log(`    request failed: ${response.status} ${await response.text()}`);
            continue;
          }
          // The artifact stores its classes, so /v1 answers { label, scores } per row.
          const answer = (await response.json()) as { predictions: { label: string }[] };
          for (const prediction of answer.predictions) {
            const label = prediction.label;
            predictedClasses[label] = (predictedClasses[label] ?? 0) + 1;
            servedRows++;
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      await server.close();
    }
    const servingSeconds = (performance.now() - servingStarted) / 1000;
    const rowsPerSecond = servedRows / Math.max(servingSeconds, 1e-3);
    log(
      `    ${requests} requests (${servedRows} days, ${failed} failed) at ${url}: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`,
    );
    log(
      `    predicted: ${Object.entries(predictedClasses)
        .map(([label, count]) => `${label} ${count}`)
        .join(', ')}`,
    );

    // ------------------------------------------------------------------ 5. drift
    step(5, 'Drift: prediction log against the training profile');
    const predictionOf = (outputs: ArrayLike<number>) => WEATHER_CLASSES[argmax(outputs)]!;
    const trainingPredictions = result.model.predict(
      tf.tensor2d(transform.transform(trainRows), [trainRows.length, transform.width]),
      { batchSize: 1024 },
    ) as tf.Tensor;
    const trainingOutputs = (await trainingPredictions.array()) as number[][];
    trainingPredictions.dispose();
    const referenceRows: Array<Record<string, unknown>> = trainRows.map((row, index) => ({
      ...Object.fromEntries(FEATURE_COLUMNS.map((name) => [name, row[name]])),
      prediction: predictionOf(trainingOutputs[index]!),
    }));
    const driftSchema: TableSchema = {
      columns: [
        ...WEATHER_SCHEMA.columns.filter((column) =>
          (FEATURE_COLUMNS as readonly string[]).includes(column.name),
        ),
        { name: 'prediction', type: 'category', categories: [...WEATHER_CLASSES] },
      ],
    };
    // The month is a feature (one-hot) but compared as a category: a summer has no January.
    driftSchema.columns = driftSchema.columns.map((column) =>
      column.name === 'month' ? { ...column, type: 'category' } : column,
    );
    const referenceProfile = profile(
      referenceRows.map((row) => ({ ...row, month: String(row.month) })),
      { schema: driftSchema },
    );
    const { digest: profileDigest } = await store.putJson(referenceProfile);
    const records = (await readFile(predictionsPath, 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PredictionRecord)
      .filter((record) => record.shadow !== true);
    const currentRows = records.map((record) => {
      const inputs = record.inputs as Record<string, unknown>;
      return {
        ...Object.fromEntries(FEATURE_COLUMNS.map((name) => [name, inputs[name]])),
        month: String(inputs.month),
        prediction: predictionOf(record.outputs),
      };
    });
    const driftReport = detectDrift(referenceProfile, currentRows, {
      schema: driftSchema,
      predictionColumns: ['prediction'],
    });
    const driftPath = join(out, 'drift-report.html');
    await writeFile(
      driftPath,
      renderHtmlReport(driftReport, {
        title: `Drift: ${MODEL} traffic (Jun-Sep 2015) vs training profile (2012-2014)`,
      }),
    );
    const drifted = driftReport.columns.filter((column) => column.drifted);
    log(
      `    ${records.length} logged predictions; dataset drift: ${driftReport.datasetDrift ? 'YES' : 'no'} (${drifted.length}/${driftReport.columnCount} columns: ${drifted.map((column) => column.column).join(', ') || 'none'})`,
    );

    // ------------------------------------------------------------------ 6. cost
    step(6, 'Cost: budget spent by training, serving and full-scale estimates');
    const status = await budget.status();
    const serving = estimateServing({
      throughputPerReplica: Math.max(1, rowsPerSecond),
      targetQps: 50,
      instance: 'c6i.xlarge',
      targetUtilization: 0.7,
    });
    const fullScale = estimateTraining({
      samples: 10_000_000,
      epochs: 20,
      throughput: Math.max(1, result.samplesPerSecond),
      instance: 'c6i.xlarge',
      spot: { interruptionRatePerHour: 0.05 },
      checkpointCostS: 5,
    });
    const costText = [
      renderReport(status, 'table'),
      renderReport(serving, 'table'),
      renderReport(fullScale, 'table'),
    ].join('\n');
    for (const line of costText.trimEnd().split('\n')) log(`    ${line}`);
    const costPath = join(out, 'cost-report.md');
    await writeFile(
      costPath,
      [
        '# Cost report',
        '',
        renderReport(status, 'markdown'),
        renderReport(serving, 'markdown'),
        renderReport(fullScale, 'markdown'),
      ].join('\n'),
    );

    // ------------------------------------------------------------------ 7. summary
    step(7, 'Reports');
    const summary: DemoSummary = {
      quick,
      home,
      seconds: 0,
      dataset: {
        name: DATASET,
        versions: versions.map((version) => ({
          id: version.id,
          rows: version.rowCount,
          message: version.message,
        })),
        tag: 'train-2012-2014',
        rejectedCommit,
        trainRows: trainRows.length,
        validationRows: validationRows.length,
        testRows: testRows.length,
      },
      training: {
        runId: run.id,
        status: result.status,
        backend: result.backend.name,
        epochs: result.epochs,
        steps: result.steps,
        seconds: trainingSeconds,
        samplesPerSecond: Math.round(result.samplesPerSecond),
        finalLoss,
        checkpoint: result.checkpoint ?? null,
        deviceSeconds: result.deviceSeconds,
      },
      evaluation: metrics,
      model: {
        name: MODEL,
        version: registered.version,
        artifact: artifact.id,
        alias: 'champion',
        promoted: promotion.promoted,
        checks: promotion.checks.map((check) => ({
          metric: check.metric,
          passed: check.passed,
          reason: check.reason,
        })),
      },
      serving: {
        url,
        requests,
        rows: servedRows,
        failed,
        latencyMsP50: percentile(latencies, 50),
        latencyMsP95: percentile(latencies, 95),
        rowsPerSecond: Math.round(rowsPerSecond),
        loggedRecords: records.length,
        predictedClasses,
      },
      drift: {
        referenceProfile: profileDigest,
        datasetDrift: driftReport.datasetDrift,
        driftShare: driftReport.driftShare,
        driftedColumns: drifted.map((column) => column.column),
        columns: driftReport.columns.map((column) => ({
          column: column.column,
          test: column.test,
          statistic: column.statistic,
          drifted: column.drifted,
        })),
      },
      cost: {
        budgetLimit: formatMoney(status.limit),
        budgetSpent: formatMoney(status.spent),
        budgetStopped: status.exhausted,
        servingCostPerMillionPredictions: formatMoney(serving.costPerMillionPredictions),
        fullScaleTrainingOnDemand:
          fullScale.onDemand === undefined ? 'n/a' : formatMoney(fullScale.onDemand.cost),
        fullScaleTrainingSpot:
          fullScale.spot === undefined ? 'n/a' : formatMoney(fullScale.spot.cost),
      },
      reports: {
        summary: join(out, 'report.html'),
        drift: driftPath,
        cost: costPath,
        json: join(out, 'summary.json'),
        predictions: predictionsPath,
      },
    };
    summary.seconds = seconds(started);
    await writeFile(
      summary.reports.summary,
      renderSummaryHtml(summary, {
        history: result.history,
        costMarkdown: [status, serving, fullScale].map((report) => renderReport(report, 'table')),
      }),
    );
    await writeFile(summary.reports.json, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await registry.close();
  }
}
