import { ValidationError } from '@mlinfra/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

type VersionLabels = 'model' | 'version';

/** Something that records one observation (a histogram child for one model version). */
export interface Observer {
  /** Records `value` (seconds for latencies, rows for batch sizes). */
  observe(value: number): void;
}

/** Per-version metric children, looked up once per loaded version rather than per request. */
export interface VersionMetrics {
  queue: Observer;
  compute: Observer;
  total: Observer;
  batchSize: Observer;
}

/** prom-client 15's per-label-set histogram state (`Histogram#hashMap` values). */
interface HistogramEntry {
  labels: Record<string, string | number>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * Counts observations in plain arrays on the hot path; {@link flushInto} adds them to the
 * prom-client histogram when it is scraped. prom-client's own `observe` validates and hashes the
 * label set on every call, which was the largest per-request cost of ours under batching.
 */
class BucketRecorder implements Observer {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Record<VersionLabels, string>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Adds what was recorded since the last flush to `entry` and starts over. */
  flushInto(entry: HistogramEntry): void {
    if (this.count === 0) return;
    for (let i = 0; i < this.bounds.length; i++) {
      const bound = this.bounds[i]!;
      if (this.counts[i]! > 0)
        entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + this.counts[i]!;
      this.counts[i] = 0;
    }
    entry.sum += this.sum;
    entry.count += this.count;
    this.sum = 0;
    this.count = 0;
  }
}

/** The entry prom-client keeps for `labels`, created (zeroed) when missing; undefined when its internals differ. */
function entryOf(
  histogram: Histogram<VersionLabels>,
  labels: Record<VersionLabels, string>,
): HistogramEntry | undefined {
  const find = (): HistogramEntry | undefined => {
    const map = (histogram as unknown as { hashMap?: Record<string, HistogramEntry> }).hashMap;
    if (typeof map !== 'object' || map === null) return undefined;
    for (const entry of Object.values(map)) {
      if (entry.labels?.model === labels.model && entry.labels?.version === labels.version) {
        return typeof entry.bucketValues === 'object' &&
          typeof entry.sum === 'number' &&
          typeof entry.count === 'number'
          ? entry
          : undefined;
      }
    }
    return undefined;
  };
  const found = find();
  if (found !== undefined) return found;
  histogram.zero(labels);
  return find();
}

/** The server's Prometheus metrics, all named `<prefix>...` (default prefix `mlinfra_serving_`). */
export class ServingMetrics {
  /** The prom-client registry holding these metrics (render it with `registry.metrics()`). */
  readonly registry: Registry;
  /** `requests_total{model,version,status}`: requests by HTTP status code. */
  readonly requests: Counter<'model' | 'version' | 'status'>;
  /** `queue_duration_seconds`: time waiting in the batching queue. */
  readonly queueSeconds: Histogram<VersionLabels>;
  /** `compute_duration_seconds`: time of the batch that held the request. */
  readonly computeSeconds: Histogram<VersionLabels>;
  /** `request_duration_seconds`: from the parsed body to the result. */
  readonly totalSeconds: Histogram<VersionLabels>;
  /** `batch_size`: rows per executed batch. */
  readonly batchSize: Histogram<VersionLabels>;
  /** `queue_depth`: requests waiting, read at scrape time. */
  readonly queueDepth: Gauge<VersionLabels>;
  /** `prediction_log_dropped_total`: records dropped (full buffer or failing sink). */
  readonly logDropped: Counter<string>;
  /** `prediction_log_written_total`: records handed to the sink. */
  readonly logWritten: Counter<string>;
  /** `shadow_failures_total{model}`: failed shadow predictions. */
  readonly shadowFailures: Counter<'model'>;
  /** `model_loads_total{model,version,result}`: loads (`loaded`, `failed`) and unloads. */
  readonly modelLoads: Counter<'model' | 'version' | 'result'>;
  private readonly depthSources = new Map<
    string,
    { model: string; version: string; depth(): number }
  >();

  constructor(registry: Registry | undefined, prefix: string) {
    this.registry = registry ?? new Registry();
    const registers = [this.registry];
    this.requests = new Counter({
      name: `${prefix}requests_total`,
      help: 'Inference requests by model, version and HTTP status code.',
      labelNames: ['model', 'version', 'status'],
      registers,
    });
    this.queueSeconds = new Histogram({
      collect: () => this.flush(this.queueSeconds),
      name: `${prefix}queue_duration_seconds`,
      help: 'Time requests waited in the batching queue, in seconds.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.computeSeconds = new Histogram({
      collect: () => this.flush(this.computeSeconds),
      name: `${prefix}compute_duration_seconds`,
      help: 'Time the batch holding a request took to compute, in seconds.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.totalSeconds = new Histogram({
      collect: () => this.flush(this.totalSeconds),
      name: `${prefix}request_duration_seconds`,
      help: 'Time from receiving a request body to answering it, in seconds.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      collect: () => this.flush(this.batchSize),
      name: `${prefix}batch_size`,
      help: 'Rows per executed batch.',
      labelNames: ['model', 'version'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    const sources = this.depthSources;
    this.queueDepth = new Gauge({
      name: `${prefix}queue_depth`,
      help: 'Requests waiting in the batching queue.',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.values()) {
          this.set({ model: source.model, version: source.version }, source.depth());
        }
      },
    });
    this.logDropped = new Counter({
      name: `${prefix}prediction_log_dropped_total`,
      help: 'Prediction log records dropped because the log buffer was full or the sink failed.',
      registers,
    });
    this.logWritten = new Counter({
      name: `${prefix}prediction_log_written_total`,
      help: 'Prediction log records handed to the sink.',
      registers,
    });
    this.shadowFailures = new Counter({
      name: `${prefix}shadow_failures_total`,
      help: 'Shadow (mirror) predictions that failed; they never affect responses.',
      labelNames: ['model'],
      registers,
    });
    this.modelLoads = new Counter({
      name: `${prefix}model_loads_total`,
      help: 'Model version loads by result (loaded, failed, unloaded).',
      labelNames: ['model', 'version', 'result'],
      registers,
    });
  }

  /** Metric children for one version; registers its queue depth. */
  forVersion(model: string, version: string, depth: () => number): VersionMetrics {
    const key = `${model}\u0000${version}`;
    this.depthSources.set(key, { model, version, depth });
    const labels = { model, version };
    return {
      queue: this.observer(this.queueSeconds, LATENCY_BUCKETS, key, labels),
      compute: this.observer(this.computeSeconds, LATENCY_BUCKETS, key, labels),
      total: this.observer(this.totalSeconds, LATENCY_BUCKETS, key, labels),
      batchSize: this.observer(this.batchSize, BATCH_BUCKETS, key, labels),
    };
  }

  private readonly recorders = new Map<Histogram<VersionLabels>, Map<string, BucketRecorder>>();

  /**
   * A fast recorder for `histogram` and `labels`, flushed on scrape; prom-client's own child when
   * its internals are not the ones this was written against (then nothing depends on them).
   */
  private observer(
    histogram: Histogram<VersionLabels>,
    bounds: readonly number[],
    key: string,
    labels: Record<VersionLabels, string>,
  ): Observer {
    let byKey = this.recorders.get(histogram);
    const existing = byKey?.get(key);
    if (existing !== undefined) return existing;
    if (entryOf(histogram, labels) === undefined) return histogram.labels(labels);
    const recorder = new BucketRecorder(bounds, labels);
    if (byKey === undefined) {
      byKey = new Map();
      this.recorders.set(histogram, byKey);
    }
    byKey.set(key, recorder);
    return recorder;
  }

  /** Adds recorded observations to `histogram` (its `collect` hook, run on every scrape). */
  private flush(histogram: Histogram<VersionLabels>): void {
    const byKey = this.recorders.get(histogram);
    if (byKey === undefined) return;
    for (const recorder of byKey.values()) {
      const entry = entryOf(histogram, recorder.labels);
      if (entry !== undefined) recorder.flushInto(entry);
    }
  }

  private readonly requestChildren = new Map<string, Counter.Internal>();

  /** Counts one request; label children are cached, so the hot path does not hash labels. */
  countRequest(model: string, version: string, status: number): void {
    const key = `${model}\u0000${version}\u0000${status}`;
    let child = this.requestChildren.get(key);
    if (child === undefined) {
      child = this.requests.labels({ model, version, status: String(status) });
      this.requestChildren.set(key, child);
    }
    child.inc();
  }

  /** Stops reporting queue depth of an unloaded version. */
  forget(model: string, version: string): void {
    this.depthSources.delete(`${model}\u0000${version}`);
  }
}

/**
 * The service's metrics on `registry` (a new one by default) under `prefix`.
 * @throws ValidationError when the registry already holds metrics of that prefix.
 */
export function createServingMetrics(options: {
  registry?: Registry | undefined;
  prefix?: string | undefined;
}): ServingMetrics {
  const prefix = options.prefix ?? 'mlinfra_serving_';
  try {
    return new ServingMetrics(options.registry, prefix);
  } catch (error) {
    throw new ValidationError(
      `metrics.registry already holds metrics named ${prefix}*; give this server another metrics.prefix or its own registry.`,
      [],
      { cause: error },
    );
  }
}
