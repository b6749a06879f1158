import { NotFoundError, parseOptions } from '@mlinfra/core';
import type { z } from 'zod';
import { ModelNotReadyError } from '../errors.js';
import { PredictionLog } from '../log/prediction-log.js';
import { createServingMetrics, type ServingMetrics } from '../metrics/serving-metrics.js';
import { createModelLoader } from '../model/loader.js';
import { parseReference } from '../model/model-source.js';
import type { TensorSpec } from '../model/predictor.js';
import type { TensorModelSpec } from '../model/tensor.js';
import {
  type ModelOptions,
  type PredictionServiceOptions,
  predictionServiceOptionsSchema,
  prepareBatching,
} from '../options.js';
import type { InferResponse } from '../protocol/v2.js';
import { createEmitter, type Emit } from './events.js';
import { RequestPipeline, type VersionedPredictions } from './request-pipeline.js';
import { type CallOptions, pinnedVersion } from './routing.js';
import { ServedModel } from './served-model.js';
import { SourceFollower } from './source-follower.js';
import type { TargetContext } from './target.js';
import { VersionPool } from './version-pool.js';

/** KServe V2 model metadata. */
export interface ModelMetadata {
  /** Served model name. */
  name: string;
  /** Every served version of the model. */
  versions: string[];
  /** The runtime serving it: `mlinfra_tfjs`, `onnxruntime_onnx`, or what the predictor names. */
  platform: string;
  /**
   * Input tensors; `-1` marks a dynamic dimension (the batch dimension first, when there is one).
   * For a `Predictor` whose input columns are its features (`Predictor.inputColumns`): one
   * `[-1, 1]` input per feature.
   */
  inputs: readonly (TensorSpec | TensorModelSpec)[];
  /** Output tensors, like `inputs`. */
  outputs: readonly (TensorSpec | TensorModelSpec)[];
  /**
   * `batch_dimension`: whether the model takes rows along its first dimension;
   * `dynamic_batching`: whether requests are joined into batches (never without a batch dimension).
   */
  parameters: { batch_dimension: boolean; dynamic_batching: boolean };
}

/** The in-process inference pipeline: validation, batching, routing, logging and metrics. */
export interface PredictionService {
  /** KServe V2 inference. @throws ValidationError, NotFoundError, QueueFullError, RequestTimeoutError, ModelNotReadyError, ServerClosedError */
  infer(model: string, request: unknown, options?: CallOptions): Promise<InferResponse>;
  /** `/v1`-style prediction on raw rows (through the model's feature transform) or numeric rows. */
  predict(model: string, instances: readonly unknown[], options?: CallOptions): Promise<unknown[]>;
  /** Like {@link predict}, with the version that answered (what `/v1` returns as `model_version`). */
  predictVersioned(
    model: string,
    instances: readonly unknown[],
    options?: CallOptions,
  ): Promise<VersionedPredictions>;
  /** KServe V2 metadata of a model (or one version). @throws NotFoundError, ModelNotReadyError */
  metadata(model: string, version?: string): ModelMetadata;
  /** True when the model (or that version) is loaded and warmed. @throws NotFoundError for an unknown model */
  isModelReady(model: string, version?: string): boolean;
  /** True once every model is loaded and warmed, until `close()` begins. */
  isReady(): boolean;
  /** Resolves once every model is loaded and warmed; rejects when a model failed to load. */
  ready(): Promise<void>;
  /** Re-resolves every reference now (as a source change would) and swaps versions that moved. */
  refresh(): Promise<void>;
  /** Names of the served models. */
  modelNames(): string[];
  /** Prometheus metrics, or undefined when turned off. */
  readonly metrics: ServingMetrics | undefined;
  /** Requests in progress. */
  readonly inFlight: number;
  /** Stops taking requests, waits for in-flight ones, flushes the log and unloads models. */
  close(): Promise<void>;
  /** `await using service = createPredictionService(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Parsed service options (`createServer` passes its own, which hold these and more). */
export type ParsedServiceOptions = z.output<typeof predictionServiceOptionsSchema>;

function createLog(options: ParsedServiceOptions, metrics: ServingMetrics | undefined, emit: Emit) {
  const log = options.log;
  if (log === undefined) return undefined;
  return new PredictionLog({
    sink: log.sink,
    sampleRate: log.sampleRate ?? 1,
    maxPending: log.maxPending ?? 10_000,
    maxBatch: log.maxBatch ?? 1_000,
    flushIntervalMs: log.flushIntervalMs ?? 1_000,
    onDropped: (count) => metrics?.logDropped.inc(count),
    onWritten: (count) => metrics?.logWritten.inc(count),
    onError: (error) => emit({ type: 'log-failed', model: '', error }),
  });
}

/** The facade: owns the served models and wires the pool, the follower and the pipeline. */
class Service implements PredictionService {
  readonly metrics: ServingMetrics | undefined;
  private closing = false;
  private closed: Promise<void> = Promise.resolve();
  private readonly models = new Map<string, ServedModel>();
  private readonly pool: VersionPool;
  private readonly pipeline: RequestPipeline;
  private readonly follower: SourceFollower | undefined;
  private readonly log: PredictionLog | undefined;
  private readonly readyPromise: Promise<void>;

  constructor(options: ParsedServiceOptions) {
    const emit = createEmitter(options.onEvent);
    this.metrics =
      options.metrics === false ? undefined : createServingMetrics(options.metrics ?? {});
    this.log = createLog(options, this.metrics, emit);
    this.pool = new VersionPool({
      load: createModelLoader(options),
      warmup: options.warmup ?? true,
      metrics: this.metrics,
      emit,
    });
    this.pipeline = new RequestPipeline({
      timeoutMs: options.limits?.requestTimeoutMs ?? 30_000,
      metrics: this.metrics,
      log: this.log,
      emit,
    });
    const source = options.source;
    this.follower =
      source === undefined
        ? undefined
        : new SourceFollower(source, { pollIntervalMs: options.pollIntervalMs ?? 30_000, emit });
    const context: TargetContext = {
      pool: this.pool,
      source,
      emit,
      isClosing: () => this.closing,
    };
    for (const entry of options.models) {
      const model: ModelOptions = typeof entry === 'string' ? { reference: entry } : entry;
      const name = model.name ?? parseReference((model as { reference: string }).reference).name;
      const batching = prepareBatching(
        model.batching !== undefined ? model.batching : options.batching,
      );
      const unknownFields = model.unknownFields ?? options.unknownFields ?? 'reject';
      this.models.set(name, new ServedModel(name, model, batching, context, unknownFields));
    }
    this.readyPromise = this.loadAll();
    this.readyPromise.catch(() => undefined);
  }

  private async loadAll(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.models.values()].map((model) => model.refresh()),
    );
    // Follow the source even after a failed load: moving the alias to a good version recovers.
    if (!this.closing) this.follow();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private follow(): void {
    const names = new Set<string>();
    for (const model of this.models.values()) {
      for (const target of model.allTargets) {
        if (target.sourceName !== undefined) names.add(target.sourceName);
      }
    }
    this.follower?.follow(names, (name) => {
      for (const model of this.models.values()) {
        if (model.allTargets.some((target) => target.sourceName === name)) {
          model.refresh().catch(() => undefined);
        }
      }
    });
  }

  private servedModel(name: string): ServedModel {
    const model = this.models.get(name);
    if (model === undefined) {
      throw new NotFoundError(
        `Unknown model "${name}"; served models: ${[...this.models.keys()].join(', ')}.`,
      );
    }
    return model;
  }

  infer(name: string, request: unknown, options?: CallOptions): Promise<InferResponse> {
    return this.pipeline.infer(this.servedModel(name), request, options);
  }

  async predict(
    name: string,
    instances: readonly unknown[],
    options?: CallOptions,
  ): Promise<unknown[]> {
    return (await this.predictVersioned(name, instances, options)).predictions;
  }

  predictVersioned(
    name: string,
    instances: readonly unknown[],
    options?: CallOptions,
  ): Promise<VersionedPredictions> {
    return this.pipeline.predict(this.servedModel(name), instances, options);
  }

  metadata(name: string, version?: string): ModelMetadata {
    const model = this.servedModel(name);
    const loaded = version !== undefined ? pinnedVersion(model, version) : model.primary.current;
    if (loaded === undefined) throw new ModelNotReadyError(name);
    const { platform, inputs, outputs, parameters } = loaded.codec.metadata;
    return { name, versions: [...model.versions().keys()], platform, inputs, outputs, parameters };
  }

  isModelReady(name: string, version?: string): boolean {
    const model = this.servedModel(name);
    if (this.closing) return false;
    if (version !== undefined) return model.versions().has(version);
    return model.primary.current !== undefined;
  }

  isReady(): boolean {
    if (this.closing) return false;
    for (const model of this.models.values()) if (!model.isLoaded()) return false;
    return true;
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  async refresh(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.models.values()].map((model) => model.refresh()),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  modelNames(): string[] {
    return [...this.models.keys()];
  }

  get inFlight(): number {
    return this.pipeline.inFlight;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.closed = this.shutdown();
    }
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    this.follower?.stop();
    await this.pipeline.stop();
    await this.readyPromise.catch(() => undefined);
    for (const model of this.models.values()) model.dispose();
    await this.pool.settled();
    await this.log?.close();
  }
}

/**
 * Creates the in-process inference pipeline (the one `createServer` puts behind HTTP): loads
 * and warms every model in the background, follows aliases, batches, routes canary and shadow
 * traffic, logs predictions and records metrics.
 * @throws ValidationError on invalid options, naming each field.
 */
export function createPredictionService(options: PredictionServiceOptions): PredictionService {
  return serviceFromParsed(
    parseOptions(predictionServiceOptionsSchema, options, 'createPredictionService options'),
  );
}

/** Builds the service from options already parsed (by `createServer`'s own schema). */
export function serviceFromParsed(options: ParsedServiceOptions): PredictionService {
  return new Service(options);
}

/**
 * Creates the in-process inference pipeline.
 * @deprecated Renamed {@link createPredictionService} (it returns a `PredictionService`, while
 * `Predictor` is the model interface); this alias goes in the next minor release.
 */
export const createPredictor: (options: PredictionServiceOptions) => PredictionService =
  createPredictionService;
