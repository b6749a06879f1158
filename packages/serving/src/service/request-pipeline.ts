import { randomUUID } from 'node:crypto';
import type { BatchResult } from '../batching/dynamic-batcher.js';
import { ServerClosedError } from '../errors.js';
import type { PredictionLog, PredictionRecord } from '../log/prediction-log.js';
import type { ServingMetrics } from '../metrics/serving-metrics.js';
import type { InferResponse } from '../protocol/v2.js';
import type { Emit } from './events.js';
import { type CallOptions, route, shadowOf } from './routing.js';
import type { ServedModel } from './served-model.js';
import { statusOf } from './status.js';
import type { CodecCall, CodecInfer } from './version-codec.js';
import { enterVersion, type LoadedVersion } from './version-pool.js';

/** What the pipeline needs from the service. */
export interface PipelineSettings {
  /** Per-request timeout from arrival to answer, in ms. */
  timeoutMs: number;
  metrics: ServingMetrics | undefined;
  log: PredictionLog | undefined;
  emit: Emit;
}

/** The answer of one `/v1` prediction, with the version that gave it. */
export interface VersionedPredictions {
  version: string;
  predictions: unknown[];
}

/**
 * The request path: routes a call to a version, parses its body against that version's
 * signature, queues it on the version's batcher, mirrors it to the shadow, logs and measures it.
 */
export class RequestPipeline {
  private active = 0;
  private idle: (() => void)[] = [];
  private closing = false;

  constructor(private readonly settings: PipelineSettings) {}

  /** Requests in progress. */
  get inFlight(): number {
    return this.active;
  }

  /** Stops taking requests; resolves once the ones in progress finished. */
  async stop(): Promise<void> {
    this.closing = true;
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** KServe V2 inference through `model`. */
  async infer(model: ServedModel, request: unknown, options?: CallOptions): Promise<InferResponse> {
    let parsed: CodecInfer | undefined;
    const { loaded, result } = await this.run(model, options, async (loaded) => {
      parsed = loaded.codec.parseInfer(request, loaded.batcher);
      return parsed.call;
    });
    return parsed!.respond(result.output, model.name, loaded.version);
  }

  /** `/v1` prediction on raw or numeric rows through `model`. */
  async predict(
    model: ServedModel,
    instances: readonly unknown[],
    options?: CallOptions,
  ): Promise<VersionedPredictions> {
    const { loaded, result, rows } = await this.run(model, options, (loaded) =>
      loaded.codec.parsePredict(instances, loaded.batcher, model.unknownFields),
    );
    return { version: loaded.version, predictions: loaded.codec.predictions(result.output, rows) };
  }

  private begin(): void {
    if (this.closing) {
      throw new ServerClosedError('The server is shutting down; retry against another replica.');
    }
    this.active++;
  }

  private end(): void {
    this.active--;
    if (this.active === 0 && this.idle.length > 0) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async run(
    model: ServedModel,
    options: CallOptions | undefined,
    parse: (loaded: LoadedVersion) => Promise<CodecCall>,
  ): Promise<{ loaded: LoadedVersion; result: BatchResult<unknown>; rows: number }> {
    const { metrics, log, timeoutMs } = this.settings;
    const started = performance.now();
    this.begin();
    let loaded: LoadedVersion | undefined;
    let status = 200;
    try {
      loaded = route(model, options);
      let pending: Promise<BatchResult<unknown>>;
      let parsed: CodecCall;
      const leave = enterVersion(loaded);
      try {
        parsed = await parse(loaded);
        const remainingMs = Math.max(1, timeoutMs - (performance.now() - started));
        pending = loaded.batcher.submit(parsed.input, parsed.rows, remainingMs);
      } finally {
        leave();
      }
      const result = await pending;
      const latencyMs = performance.now() - started;
      if (loaded.metrics) {
        loaded.metrics.queue.observe(result.queueMs / 1000);
        loaded.metrics.compute.observe(result.computeMs / 1000);
        loaded.metrics.total.observe(latencyMs / 1000);
      }
      const sampled = log?.sample() === true;
      const id = parsed.id ?? (sampled ? randomUUID() : undefined);
      if (sampled) {
        log!.add(records(id!, loaded, parsed.rows, parsed.logged, result.output, latencyMs, false));
      }
      const shadow = shadowOf(model);
      if (shadow !== undefined) this.mirror(model, shadow, parsed, id, sampled);
      return { loaded, result, rows: parsed.rows };
    } catch (error) {
      status = statusOf(error);
      throw error;
    } finally {
      metrics?.countRequest(model.name, loaded?.version ?? '', status);
      this.end();
    }
  }

  /** Sends a copy of a call to the shadow version; its output is logged, never returned. */
  private mirror(
    model: ServedModel,
    shadow: LoadedVersion,
    parsed: CodecCall,
    id: string | undefined,
    sampled: boolean,
  ): void {
    const { metrics, log, emit, timeoutMs } = this.settings;
    const { rows, logged } = parsed;
    const started = performance.now();
    const fail = (error: unknown) => {
      metrics?.shadowFailures.inc({ model: model.name });
      emit({ type: 'shadow-failed', model: shadow.model, version: shadow.version, error });
    };
    let input: unknown;
    try {
      input = shadow.codec.shadowInput(parsed);
    } catch (error) {
      fail(error);
      return;
    }
    shadow.batcher.submit(input, rows, timeoutMs).then((result) => {
      if (sampled && log !== undefined) {
        const latencyMs = performance.now() - started;
        log.add(records(id ?? randomUUID(), shadow, rows, logged, result.output, latencyMs, true));
      }
    }, fail);
  }
}

/** The prediction-log records of one answered call, one per row. */
function records(
  id: string,
  loaded: LoadedVersion,
  rows: number,
  logged: (row: number) => unknown,
  output: unknown,
  latencyMs: number,
  shadow: boolean,
): PredictionRecord[] {
  const time = new Date().toISOString();
  const result: PredictionRecord[] = [];
  for (let row = 0; row < rows; row++) {
    const record: PredictionRecord = {
      id,
      row,
      time,
      model: loaded.model,
      version: loaded.version,
      inputs: logged(row),
      outputs: loaded.codec.logOutputs(output, row),
      latencyMs,
    };
    if (shadow) record.shadow = true;
    result.push(record);
  }
  return result;
}
