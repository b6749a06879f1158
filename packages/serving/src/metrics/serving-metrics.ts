import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

type VersionLabels = 'model' | 'version';

/** Per-version metric children, looked up once per loaded version rather than per request. */
export interface VersionMetrics {
  queue: Histogram.Internal<VersionLabels>;
  compute: Histogram.Internal<VersionLabels>;
  total: Histogram.Internal<VersionLabels>;
  batchSize: Histogram.Internal<VersionLabels>;
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
      name: `${prefix}queue_duration_seconds`,
      help: 'Time requests waited in the batching queue, in seconds.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.computeSeconds = new Histogram({
      name: `${prefix}compute_duration_seconds`,
      help: 'Time the batch holding a request took to compute, in seconds.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.totalSeconds = new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from receiving a request body to answering it, in seconds.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
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
    this.depthSources.set(`${model}\u0000${version}`, { model, version, depth });
    const labels = { model, version };
    return {
      queue: this.queueSeconds.labels(labels),
      compute: this.computeSeconds.labels(labels),
      total: this.totalSeconds.labels(labels),
      batchSize: this.batchSize.labels(labels),
    };
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
