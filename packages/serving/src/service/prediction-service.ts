import { randomUUID } from 'node:crypto';
import { isStore, NotFoundError, type Store, ValidationError } from '@mlinfra/core';
import type { Registry } from 'prom-client';
import { type BatchResult, DynamicBatcher } from '../batching/dynamic-batcher.js';
import { ServerClosedError } from '../errors.js';
import { PredictionLog, type PredictionRecord } from '../log/prediction-log.js';
import { ServingMetrics, type VersionMetrics } from '../metrics/serving-metrics.js';
import { trainerLoader } from '../model/default-loader.js';
import { type ModelSource, parseReference, type ResolvedModel } from '../model/model-source.js';
import {
  checkSignature,
  type ModelSignature,
  type Predictor,
  type SignatureSizes,
} from '../model/predictor.js';
import {
  type ModelOptions,
  type PredictorOptions,
  type PreparedBatching,
  prepareBatching,
  type ServingEvent,
  type TargetOptions,
  validateOptions,
} from '../options.js';
import {
  buildInferResponse,
  type InferResponse,
  outputRows,
  parseInferRequest,
  parsePredictRequest,
} from '../protocol/v2.js';
import { statusOf } from './status.js';
import { chooseCanary } from './traffic.js';

function createMetrics(options: { registry?: Registry; prefix?: string }): ServingMetrics {
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

/** The source's own store (a registry has one), when it is a core store. */
function storeOf(source: ModelSource | undefined): Store | undefined {
  return isStore(source?.store) ? source.store : undefined;
}

/** Routing options of one call. */
export interface CallOptions {
  /** A specific version; default: the model's current version (or the canary split). */
  version?: string;
  /** Sticky routing key: the same key always gets the same side of a canary split. */
  routingKey?: string;
}

/** KServe V2 model metadata. */
export interface ModelMetadata {
  /** Served model name. */
  name: string;
  /** Every served version of the model. */
  versions: string[];
  /** Always `mlinfra_tfjs`. */
  platform: string;
  /** Input tensors (batch dimension `-1`). */
  inputs: ModelSignature['inputs'];
  /** Output tensors (batch dimension `-1`). */
  outputs: ModelSignature['outputs'];
}

/** The in-process inference pipeline: validation, batching, routing, logging and metrics. */
export interface PredictionService {
  /** KServe V2 inference. @throws ValidationError, NotFoundError, QueueFullError, RequestTimeoutError, ServerClosedError */
  infer(model: string, request: unknown, options?: CallOptions): Promise<InferResponse>;
  /** `/v1`-style prediction on raw rows (through the model's feature transform) or numeric rows. */
  predict(model: string, instances: readonly unknown[], options?: CallOptions): Promise<unknown[]>;
  /** KServe V2 metadata of a model (or one version). @throws NotFoundError */
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
  /** `await using service = createPredictor(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface LoadedVersion {
  model: string;
  version: string;
  key: string;
  predictor: Predictor;
  sizes: SignatureSizes;
  batcher: DynamicBatcher;
  metrics: VersionMetrics | undefined;
  refs: number;
  /** Requests routed here that have not reached the batcher yet (parsing, transforming). */
  routed: number;
  /** Called when `routed` drops to 0. */
  onRouted: (() => void) | undefined;
}

/** One followed reference (or fixed predictor/path) and the version it currently points to. */
class Target {
  current: LoadedVersion | undefined;
  private chain: Promise<void> = Promise.resolve();
  private predictorCounter = 0;

  constructor(
    readonly model: string,
    readonly spec: TargetOptions,
    private readonly batching: PreparedBatching,
    private readonly service: Service,
  ) {}

  get sourceName(): string | undefined {
    return 'reference' in this.spec ? parseReference(this.spec.reference).name : undefined;
  }

  /** Resolves again and swaps when the version changed; serialized per target. */
  refresh(): Promise<void> {
    const run = this.chain.then(() => this.refreshNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async refreshNow(): Promise<void> {
    if (this.service.closing) return;
    const spec = this.spec;
    let resolved: ResolvedModel;
    let predictor: Predictor | undefined;
    if ('reference' in spec) {
      resolved = await this.service.source!.resolve(spec.reference);
    } else if ('path' in spec) {
      resolved = { name: this.model, version: spec.version ?? '1', artifact: spec.path };
    } else {
      if (this.current !== undefined) return;
      predictor = spec.predictor;
      resolved = {
        name: this.model,
        version: spec.version ?? '1',
        artifact: `predictor:${this.predictorCounter++}`,
      };
    }
    const version = String(resolved.version);
    if (
      this.current !== undefined &&
      this.current.version === version &&
      this.current.key.endsWith(`\u0000${resolved.artifact}`)
    ) {
      return;
    }
    const next = await this.service.acquire(this.model, resolved, this.batching, predictor);
    if (this.service.closing) {
      this.service.release(next);
      return;
    }
    const previous = this.current;
    // The swap is one assignment: a request picks either the old or the new version, never none.
    this.current = next;
    if (previous !== undefined) {
      this.service.emit({
        type: 'swapped',
        model: this.model,
        version,
        previousVersion: previous.version,
      });
      this.service.release(previous);
    }
  }

  /** Drops this target's hold on its version. */
  dispose(): void {
    if (this.current !== undefined) this.service.release(this.current);
    this.current = undefined;
  }
}

/** A served model: its main target, canary, shadow and extra versions. */
class ServedModel {
  readonly primary: Target;
  readonly canary: { target: Target; percent: number } | undefined;
  readonly shadow: Target | undefined;
  readonly pinned = new Map<string, Target>();

  constructor(
    readonly name: string,
    readonly options: ModelOptions,
    readonly batching: PreparedBatching,
    private readonly service: Service,
  ) {
    this.primary = new Target(name, options, batching, service);
    if (options.canary !== undefined) {
      const { percent, ...target } = options.canary;
      this.canary = {
        target: new Target(name, target as TargetOptions, batching, service),
        percent,
      };
    }
    if (options.shadow !== undefined) {
      const shadowName =
        'reference' in options.shadow
          ? parseReference(options.shadow.reference).name
          : `${name}.shadow`;
      this.shadow = new Target(shadowName, options.shadow, batching, service);
    }
  }

  get targets(): Target[] {
    return [this.primary, ...(this.canary ? [this.canary.target] : []), ...this.pinned.values()];
  }

  /** Every loaded version addressable through this model's URLs. */
  versions(): Map<string, LoadedVersion> {
    const map = new Map<string, LoadedVersion>();
    for (const target of this.targets)
      if (target.current) map.set(target.current.version, target.current);
    return map;
  }

  async refresh(): Promise<void> {
    const work: Promise<void>[] = [this.primary.refresh()];
    if (this.canary) work.push(this.canary.target.refresh());
    if (this.shadow) work.push(this.shadow.refresh());
    work.push(this.refreshPolicy());
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async refreshPolicy(): Promise<void> {
    const policy = this.options.versions;
    if (policy === undefined || !('reference' in this.options)) return;
    const sourceName = parseReference(this.options.reference).name;
    let wanted: string[];
    if ('specific' in policy) {
      wanted = policy.specific.map(String);
    } else {
      const source = this.service.source!;
      if (source.listVersions === undefined) {
        throw new ValidationError(
          `Model "${this.name}" uses versions: { latest: ${policy.latest} } but the source has no listVersions(); use { specific: [...] } or a source that lists versions.`,
        );
      }
      const listed = await source.listVersions(sourceName);
      wanted = (
        Array.isArray(listed) ? listed : (listed as { versions: readonly ResolvedModel[] }).versions
      )
        .map((v) => String(v.version))
        .sort((a, b) => Number(b) - Number(a) || b.localeCompare(a))
        .slice(0, policy.latest);
    }
    for (const [version, target] of this.pinned) {
      if (!wanted.includes(version)) {
        this.pinned.delete(version);
        target.dispose();
      }
    }
    await Promise.all(
      wanted.map((version) => {
        let target = this.pinned.get(version);
        if (target === undefined) {
          target = new Target(
            this.name,
            { reference: `${sourceName}/${version}` },
            this.batching,
            this.service,
          );
          this.pinned.set(version, target);
        }
        return target.refresh();
      }),
    );
  }
}

/** The shared implementation behind createPredictor and createServer. */
class Service implements PredictionService {
  readonly source: ModelSource | undefined;
  readonly metrics: ServingMetrics | undefined;
  closing = false;
  private readonly models = new Map<string, ServedModel>();
  private readonly pool = new Map<string, Promise<LoadedVersion>>();
  private readonly log: PredictionLog | undefined;
  private readonly loader: (resolved: ResolvedModel) => Promise<Predictor>;
  private readonly timeoutMs: number;
  private readonly warmup: boolean;
  private readonly readyPromise: Promise<void>;
  private active = 0;
  private idle: (() => void)[] = [];
  private readonly unloading = new Set<Promise<void>>();
  private readonly stopWatching: (() => void)[] = [];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PredictorOptions) {
    this.source = options.source;
    this.metrics = options.metrics === false ? undefined : createMetrics(options.metrics ?? {});
    this.loader =
      options.loader ?? trainerLoader(options.store ?? storeOf(options.source), options.backend);
    this.timeoutMs = options.limits?.requestTimeoutMs ?? 30_000;
    this.warmup = options.warmup ?? true;
    if (options.log !== undefined) {
      const metrics = this.metrics;
      this.log = new PredictionLog({
        sink: options.log.sink,
        sampleRate: options.log.sampleRate ?? 1,
        maxPending: options.log.maxPending ?? 10_000,
        maxBatch: options.log.maxBatch ?? 1_000,
        flushIntervalMs: options.log.flushIntervalMs ?? 1_000,
        onDropped: (count) => metrics?.logDropped.inc(count),
        onWritten: (count) => metrics?.logWritten.inc(count),
        onError: (error) => this.emit({ type: 'log-failed', model: '', error }),
      });
    }
    const serverBatching = options.batching;
    for (const entry of options.models) {
      const model: ModelOptions = typeof entry === 'string' ? { reference: entry } : entry;
      const name = model.name ?? parseReference((model as { reference: string }).reference).name;
      if (this.models.has(name)) {
        throw new ValidationError(
          `Model name "${name}" is served twice; give each model a distinct "name".`,
        );
      }
      const batching = prepareBatching(
        model.batching !== undefined ? model.batching : serverBatching,
      );
      this.models.set(name, new ServedModel(name, model, batching, this));
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
    const source = this.source;
    if (source === undefined) return;
    const names = new Set<string>();
    for (const model of this.models.values()) {
      for (const target of [...model.targets, ...(model.shadow ? [model.shadow] : [])]) {
        if (target.sourceName !== undefined) names.add(target.sourceName);
      }
    }
    if (names.size === 0) return;
    const onChange = (name: string) => {
      for (const model of this.models.values()) {
        const involved = [...model.targets, ...(model.shadow ? [model.shadow] : [])].some(
          (t) => t.sourceName === name,
        );
        if (involved) model.refresh().catch(() => undefined);
      }
    };
    if (typeof source.subscribe === 'function' || typeof source.watch === 'function') {
      for (const name of names) this.subscribe(source, name, onChange);
      return;
    }
    const interval = this.options.pollIntervalMs ?? 30_000;
    if (interval > 0) {
      this.pollTimer = setInterval(() => {
        for (const name of names) onChange(name);
      }, interval);
      this.pollTimer.unref();
    }
  }

  private subscribe(source: ModelSource, name: string, onChange: (name: string) => void): void {
    let stopped = false;
    if (typeof source.subscribe === 'function') {
      const unsubscribe = source.subscribe(name, () => {
        if (!stopped) onChange(name);
      });
      this.stopWatching.push(() => {
        stopped = true;
        unsubscribe();
      });
      return;
    }
    const iterator = source.watch!(name)[Symbol.asyncIterator]();
    this.stopWatching.push(() => {
      stopped = true;
      void iterator.return?.();
    });
    void (async () => {
      try {
        while (!stopped) {
          const next = await iterator.next();
          if (next.done || stopped) return;
          onChange(name);
        }
      } catch (error) {
        this.emit({ type: 'load-failed', model: name, error });
      }
    })();
  }

  emit(event: ServingEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A faulty listener must not break serving.
    }
  }

  /** Loads (or shares) a version and takes a hold on it; `release` drops the hold. */
  async acquire(
    model: string,
    resolved: ResolvedModel,
    batching: PreparedBatching,
    predictor: Predictor | undefined,
  ): Promise<LoadedVersion> {
    const version = String(resolved.version);
    const key = `${model}\u0000${version}\u0000${resolved.artifact}`;
    let entry = this.pool.get(key);
    if (entry === undefined) {
      entry = this.load(model, version, key, resolved, batching, predictor);
      this.pool.set(key, entry);
      entry.catch(() => {
        if (this.pool.get(key) === entry) this.pool.delete(key);
      });
    }
    const loaded = await entry;
    // Released while we waited: load it afresh rather than revive a closed batcher.
    if (this.pool.get(key) !== entry) return this.acquire(model, resolved, batching, predictor);
    loaded.refs++;
    return loaded;
  }

  private async load(
    model: string,
    version: string,
    key: string,
    resolved: ResolvedModel,
    batching: PreparedBatching,
    given: Predictor | undefined,
  ): Promise<LoadedVersion> {
    try {
      const predictor = given ?? (await this.loader(resolved));
      const sizes = checkSignature(predictor.signature, model);
      if (this.warmup) {
        const sizesToTry =
          batching.enabled && batching.maxBatchSize > 1 ? [1, batching.maxBatchSize] : [1];
        for (const rows of sizesToTry) {
          const output = await predictor.predict(new Float32Array(rows * sizes.inputSize), rows);
          if (!(output instanceof Float32Array) || output.length !== rows * sizes.outputSize) {
            throw new ValidationError(
              `Model "${model}" version ${version} failed its warm-up: ${rows} rows gave ${output instanceof Float32Array ? output.length : typeof output} values, its signature needs a Float32Array of ${rows * sizes.outputSize}. Fix the predictor or its signature.`,
            );
          }
        }
      }
      const loaded: LoadedVersion = {
        model,
        version,
        key,
        predictor,
        sizes,
        refs: 0,
        routed: 0,
        onRouted: undefined,
        metrics: undefined,
        batcher: new DynamicBatcher({
          model,
          version,
          ...batching,
          inputSize: sizes.inputSize,
          outputSize: sizes.outputSize,
          run: (batch, rows) => predictor.predict(batch, rows),
          onBatch: (rows) => loaded.metrics?.batchSize.observe(rows),
        }),
      };
      loaded.metrics = this.metrics?.forVersion(model, version, () => loaded.batcher.depth);
      this.metrics?.modelLoads.inc({ model, version, result: 'loaded' });
      this.emit({ type: 'loaded', model, version });
      return loaded;
    } catch (error) {
      this.metrics?.modelLoads.inc({ model, version, result: 'failed' });
      this.emit({ type: 'load-failed', model, version, error });
      throw error;
    }
  }

  release(loaded: LoadedVersion): void {
    loaded.refs--;
    if (loaded.refs > 0) return;
    this.pool.delete(loaded.key);
    const unload = (async () => {
      // Requests already routed to this version finish on it: that is the drain. Some may still
      // be parsing (an async feature transform), so wait for them to reach the queue first.
      if (loaded.routed > 0) await new Promise<void>((resolve) => (loaded.onRouted = resolve));
      loaded.batcher.close();
      await loaded.batcher.drain();
      this.metrics?.forget(loaded.model, loaded.version);
      this.metrics?.modelLoads.inc({
        model: loaded.model,
        version: loaded.version,
        result: 'unloaded',
      });
      try {
        await loaded.predictor.dispose?.();
      } catch {
        // Disposal failures only leak memory; the version is gone either way.
      }
      this.emit({ type: 'unloaded', model: loaded.model, version: loaded.version });
    })();
    this.unloading.add(unload);
    void unload.finally(() => this.unloading.delete(unload));
  }

  // ---- request path ----

  private servedModel(name: string): ServedModel {
    const model = this.models.get(name);
    if (model === undefined) {
      throw new NotFoundError(
        `Unknown model "${name}"; served models: ${[...this.models.keys()].join(', ')}.`,
      );
    }
    return model;
  }

  private route(model: ServedModel, options: CallOptions | undefined): LoadedVersion {
    if (options?.version !== undefined) {
      const loaded = model.versions().get(options.version);
      if (loaded === undefined) {
        throw new NotFoundError(
          `Model "${model.name}" has no served version "${options.version}"; served versions: ${[...model.versions().keys()].join(', ') || 'none yet'}.`,
        );
      }
      return loaded;
    }
    const canary = model.canary;
    if (canary?.target.current !== undefined && chooseCanary(canary.percent, options?.routingKey)) {
      return canary.target.current;
    }
    const current = model.primary.current;
    if (current === undefined) {
      throw new ServerClosedError(
        `Model "${model.name}" is not loaded yet; retry once /v2/models/${model.name}/ready answers 200.`,
      );
    }
    return current;
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
      const waiters = this.idle;
      this.idle = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(
    model: ServedModel,
    options: CallOptions | undefined,
    parse: (loaded: LoadedVersion) => Promise<{
      input: Float32Array;
      rows: number;
      id?: string | undefined;
      logged: (row: number) => unknown;
    }>,
  ): Promise<{ loaded: LoadedVersion; result: BatchResult; rows: number; id: string | undefined }> {
    const started = performance.now();
    this.begin();
    let loaded: LoadedVersion | undefined;
    let status = 200;
    try {
      loaded = this.route(model, options);
      const target = loaded;
      target.routed++;
      let pending: Promise<BatchResult>;
      let parsed: Awaited<ReturnType<typeof parse>>;
      try {
        parsed = await parse(target);
        pending = target.batcher.submit(
          parsed.input,
          parsed.rows,
          Math.max(1, this.timeoutMs - (performance.now() - started)),
        );
      } finally {
        target.routed--;
        if (target.routed === 0 && target.onRouted !== undefined) {
          const resolve = target.onRouted;
          target.onRouted = undefined;
          resolve();
        }
      }
      const result = await pending;
      const latencyMs = performance.now() - started;
      if (loaded.metrics) {
        loaded.metrics.queue.observe(result.queueMs / 1000);
        loaded.metrics.compute.observe(result.computeMs / 1000);
        loaded.metrics.total.observe(latencyMs / 1000);
      }
      const log = this.log;
      const sampled = log?.sample() === true;
      const id = parsed.id ?? (sampled ? randomUUID() : undefined);
      if (sampled) {
        log!.add(
          this.records(id!, loaded, parsed.rows, parsed.logged, result.output, latencyMs, false),
        );
      }
      if (model.shadow?.current !== undefined) {
        this.mirror(
          model,
          model.shadow.current,
          parsed.input,
          parsed.rows,
          id,
          parsed.logged,
          sampled,
        );
      }
      return { loaded, result, rows: parsed.rows, id: parsed.id };
    } catch (error) {
      status = statusOf(error);
      throw error;
    } finally {
      this.metrics?.countRequest(model.name, loaded?.version ?? '', status);
      this.end();
    }
  }

  private records(
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
    const records: PredictionRecord[] = [];
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
      records.push(record);
    }
    return records;
  }

  private mirror(
    model: ServedModel,
    shadow: LoadedVersion,
    input: Float32Array,
    rows: number,
    id: string | undefined,
    logged: (row: number) => unknown,
    sampled: boolean,
  ): void {
    const started = performance.now();
    const fail = (error: unknown) => {
      this.metrics?.shadowFailures.inc({ model: model.name });
      this.emit({ type: 'shadow-failed', model: shadow.model, version: shadow.version, error });
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
    shadow.batcher.submit(input.slice(), rows, this.timeoutMs).then((result) => {
      if (sampled && this.log !== undefined) {
        const latencyMs = performance.now() - started;
        this.log.add(
          this.records(id ?? randomUUID(), shadow, rows, logged, result.output, latencyMs, true),
        );
      }
    }, fail);
  }

  async infer(name: string, request: unknown, options?: CallOptions): Promise<InferResponse> {
    const model = this.servedModel(name);
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

  async predict(
    name: string,
    instances: readonly unknown[],
    options?: CallOptions,
  ): Promise<unknown[]> {
    const model = this.servedModel(name);
    const { loaded, result, rows } = await this.run(model, options, async (loaded) => {
      const parsed = await parsePredictRequest({ instances }, loaded.sizes, loaded.predictor);
      return {
        input: parsed.input,
        rows: parsed.rows,
        logged: (row: number) => parsed.instances[row],
      };
    });
    return outputRows(result.output, rows, loaded.sizes);
  }

  metadata(name: string, version?: string): ModelMetadata {
    const model = this.servedModel(name);
    const versions = model.versions();
    const loaded = version !== undefined ? versions.get(version) : model.primary.current;
    if (loaded === undefined) {
      if (version !== undefined) {
        throw new NotFoundError(
          `Model "${name}" has no served version "${version}"; served versions: ${[...versions.keys()].join(', ') || 'none yet'}.`,
        );
      }
      throw new ServerClosedError(`Model "${name}" is not loaded yet; retry once it is ready.`);
    }
    return {
      name,
      versions: [...versions.keys()],
      platform: 'mlinfra_tfjs',
      inputs: loaded.predictor.signature.inputs,
      outputs: loaded.predictor.signature.outputs,
    };
  }

  isModelReady(name: string, version?: string): boolean {
    const model = this.servedModel(name);
    if (this.closing) return false;
    if (version !== undefined) return model.versions().has(version);
    return model.primary.current !== undefined;
  }

  isReady(): boolean {
    if (this.closing) return false;
    for (const model of this.models.values()) {
      for (const target of [...model.targets, ...(model.shadow ? [model.shadow] : [])]) {
        if (target.current === undefined) return false;
      }
    }
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
    return this.active;
  }

  async close(): Promise<void> {
    if (this.closing) {
      await this.closed;
      return;
    }
    this.closing = true;
    this.closed = this.shutdown();
    await this.closed;
  }

  private closed: Promise<void> = Promise.resolve();

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    for (const stop of this.stopWatching.splice(0)) stop();
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.readyPromise.catch(() => undefined);
    for (const model of this.models.values()) {
      for (const target of [...model.targets, ...(model.shadow ? [model.shadow] : [])])
        target.dispose();
    }
    while (this.unloading.size > 0) await Promise.all([...this.unloading]);
    await this.log?.close();
  }
}

/**
 * Creates the in-process inference pipeline (the one `createServer` puts behind HTTP): loads
 * and warms every model in the background, follows aliases, batches, routes canary and shadow
 * traffic, logs predictions and records metrics.
 * @throws ValidationError on invalid options.
 */
export function createPredictor(options: PredictorOptions): PredictionService {
  validateOptions(options, 'createPredictor');
  return new Service(options);
}
