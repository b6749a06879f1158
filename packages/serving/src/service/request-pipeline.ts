import { randomUUID } from 'node:crypto';
import { ValidationError } from '@mlinfra/core';
import type { BatchResult } from '../batching/dynamic-batcher.js';
import { ServerClosedError } from '../errors.js';
import type { PredictionLog, PredictionRecord } from '../log/prediction-log.js';
import type { ServingMetrics } from '../metrics/serving-metrics.js';
import {
  buildInferResponse,
  type InferResponse,
  outputRows,
  parseInferRequest,
  parsePredictRequest,
} from '../protocol/v2.js';
import type { Emit } from './events.js';
import { type CallOptions, route, shadowOf } from './routing.js';
import type { ServedModel } from './served-model.js';
import { statusOf } from './status.js';
import { enterVersion, type LoadedVersion } from './version-pool.js';

/** What the pipeline needs from the service. */
export interface PipelineSettings {
  /** Per-request timeout from arrival to answer, in ms. */
  timeoutMs: number;
  metrics: ServingMetrics | undefined;
  log: PredictionLog | undefined;
  emit: Emit;
}

/** One request's input, parsed against the version that will answer it. */
interface ParsedCall {
  input: Float32Array;
  rows: number;
  id?: string | undefined;
  /** The inputs of one row as the prediction log records them. */
  logged: (row: number) => unknown;
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
    let parsedRequest: ReturnType<typeof parseInferRequest> | undefined;
    const { loaded, result } = await this.run(model, options, async (loaded) => {
      const parsed = parseInferRequest(request, loaded.sizes);
      parsedRequest = parsed;
      const size = loaded.sizes.inputSize;
      return {
        input: parsed.input,
        rows: parsed.rows,
        id: parsed.id,
        logged: (row: number) => Array.from(parsed.input.subarray(row * size, (row + 1) * size)),
      };
    });
    return buildInferResponse(
      model.name,
      loaded.version,
      parsedRequest!,
      result.output,
      loaded.sizes,
    );
  }

  /** `/v1` prediction on raw or numeric rows through `model`. */
  async predict(
    model: ServedModel,
    instances: readonly unknown[],
    options?: CallOptions,
  ): Promise<VersionedPredictions> {
    const { loaded, result, rows } = await this.run(model, options, async (loaded) => {
      const parsed = await parsePredictRequest({ instances }, loaded.sizes, loaded.predictor);
      return {
        input: parsed.input,
        rows: parsed.rows,
        logged: (row: number) => parsed.instances[row],
      };
    });
    return { version: loaded.version, predictions: outputRows(result.output, rows, loaded.sizes) };
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
    parse: (loaded: LoadedVersion) => Promise<ParsedCall>,
  ): Promise<{ loaded: LoadedVersion; result: BatchResult; rows: number }> {
    const { metrics, log, timeoutMs } = this.settings;
    const started = performance.now();
    this.begin();
    let loaded: LoadedVersion | undefined;
    let status = 200;
    try {
      loaded = route(model, options);
      let pending: Promise<BatchResult>;
      let parsed: ParsedCall;
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
    parsed: ParsedCall,
    id: string | undefined,
    sampled: boolean,
  ): void {
    const { metrics, log, emit, timeoutMs } = this.settings;
    const { input, rows, logged } = parsed;
    const started = performance.now();
    const fail = (error: unknown) => {
      metrics?.shadowFailures.inc({ model: model.name });
      emit({ type: 'shadow-failed', model: shadow.model, version: shadow.version, error });
    };
    if (shadow.sizes.inputSize !== input.length / rows) {
      fail(
        new ValidationError(
          `Shadow model "${shadow.model}" takes ${shadow.sizes.inputSize} values per row, not ${input.length / rows}.`,
        ),
      );
      return;
    }
    // The copy: the primary's input buffer may be reused by the caller.
    shadow.batcher.submit(input.slice(), rows, timeoutMs).then((result) => {
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
  output: Float32Array,
  latencyMs: number,
  shadow: boolean,
): PredictionRecord[] {
  const time = new Date().toISOString();
  const size = loaded.sizes.outputSize;
  const result: PredictionRecord[] = [];
  for (let row = 0; row < rows; row++) {
    const record: PredictionRecord = {
      id,
      row,
      time,
      model: loaded.model,
      version: loaded.version,
      inputs: logged(row),
      outputs: Array.from(output.subarray(row * size, (row + 1) * size)),
      latencyMs,
    };
    if (shadow) record.shadow = true;
    result.push(record);
  }
  return result;
}
