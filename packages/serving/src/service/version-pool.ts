import { DynamicBatcher } from '../batching/dynamic-batcher.js';
import type { ServingMetrics, VersionMetrics } from '../metrics/serving-metrics.js';
import type { ModelLoader } from '../model/loader.js';
import type { ResolvedModel } from '../model/model-source.js';
import { isTensorPredictor, type ServablePredictor } from '../model/tensor-predictor.js';
import type { PreparedBatching } from '../options.js';
import type { Emit } from './events.js';
import { tensorCodec } from './tensor-codec.js';
import { float32Codec, type VersionCodec } from './version-codec.js';

/** One loaded, warmed model version with its batcher, shared by every target that names it. */
export interface LoadedVersion {
  readonly model: string;
  readonly version: string;
  readonly key: string;
  /** How requests are parsed, batched and answered for this version's kind of predictor. */
  readonly codec: VersionCodec;
  readonly batcher: DynamicBatcher<unknown, unknown>;
  metrics: VersionMetrics | undefined;
  /** Targets holding this version; at 0 it drains and unloads. */
  holds: number;
  /** Requests routed here that have not reached the batcher yet (parsing, transforming). */
  routed: number;
  /** Called when `routed` drops to 0. */
  onRouted: (() => void) | undefined;
}

/** What the pool needs from the service. */
export interface VersionPoolSettings {
  load: ModelLoader;
  /** Run each version on zero-filled batches before it takes traffic. */
  warmup: boolean;
  metrics: ServingMetrics | undefined;
  emit: Emit;
}

/**
 * Marks a request as routed to `loaded` until it reaches the batcher, so an unload waits for it.
 * @returns the function to call once the request is queued (or failed before that).
 */
export function enterVersion(loaded: LoadedVersion): () => void {
  loaded.routed++;
  return () => {
    loaded.routed--;
    if (loaded.routed === 0 && loaded.onRouted !== undefined) {
      const resolve = loaded.onRouted;
      loaded.onRouted = undefined;
      resolve();
    }
  };
}

/**
 * The loaded model versions: loads and warms a version once however many targets name it
 * (`acquire`), and drains and unloads it when the last one lets go (`release`).
 */
export class VersionPool {
  private readonly entries = new Map<string, Promise<LoadedVersion>>();
  private readonly unloading = new Set<Promise<void>>();

  constructor(private readonly settings: VersionPoolSettings) {}

  /** Loads (or shares) a version and takes a hold on it; `release` drops the hold. */
  async acquire(
    model: string,
    resolved: ResolvedModel,
    batching: PreparedBatching,
    predictor: ServablePredictor | undefined,
  ): Promise<LoadedVersion> {
    const version = String(resolved.version);
    const key = `${model}\u0000${version}\u0000${resolved.artifact}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = this.load(model, version, key, resolved, batching, predictor);
      this.entries.set(key, entry);
      entry.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    const loaded = await entry;
    // Released while we waited: load it afresh rather than revive a closed batcher.
    if (this.entries.get(key) !== entry) return this.acquire(model, resolved, batching, predictor);
    loaded.holds++;
    return loaded;
  }

  /** Drops one hold; the last one drains the version's requests, then unloads it. */
  release(loaded: LoadedVersion): void {
    loaded.holds--;
    if (loaded.holds > 0) return;
    this.entries.delete(loaded.key);
    const unload = this.unload(loaded);
    this.unloading.add(unload);
    void unload.finally(() => this.unloading.delete(unload));
  }

  /** Resolves once every unload begun so far (and any begun meanwhile) has finished. */
  async settled(): Promise<void> {
    while (this.unloading.size > 0) await Promise.all([...this.unloading]);
  }

  private async load(
    model: string,
    version: string,
    key: string,
    resolved: ResolvedModel,
    batching: PreparedBatching,
    given: ServablePredictor | undefined,
  ): Promise<LoadedVersion> {
    const { metrics, emit } = this.settings;
    let predictor: ServablePredictor | undefined;
    try {
      predictor = given ?? (await this.settings.load(resolved));
      const codec = isTensorPredictor(predictor)
        ? tensorCodec(predictor, model, version, batching)
        : float32Codec(predictor, model, version, batching);
      if (this.settings.warmup) await codec.warm();
      const loaded: LoadedVersion = {
        model,
        version,
        key,
        codec,
        holds: 0,
        routed: 0,
        onRouted: undefined,
        metrics: undefined,
        batcher: new DynamicBatcher<unknown, unknown>({
          model,
          version,
          ...codec.batching,
          executor: codec.executor,
          onBatch: (rows) => loaded.metrics?.batchSize.observe(rows),
        }),
      };
      loaded.metrics = metrics?.forVersion(model, version, () => loaded.batcher.depth);
      metrics?.modelLoads.inc({ model, version, result: 'loaded' });
      emit({ type: 'loaded', model, version });
      return loaded;
    } catch (error) {
      // A loaded model that cannot be served is released here: nobody else holds it.
      if (given === undefined) await Promise.resolve(predictor?.dispose?.()).catch(() => undefined);
      metrics?.modelLoads.inc({ model, version, result: 'failed' });
      emit({ type: 'load-failed', model, version, error });
      throw error;
    }
  }

  private async unload(loaded: LoadedVersion): Promise<void> {
    const { metrics, emit } = this.settings;
    const { model, version } = loaded;
    // Requests already routed to this version finish on it: that is the drain. Some may still
    // be parsing (an async feature transform), so wait for them to reach the queue first.
    if (loaded.routed > 0) await new Promise<void>((resolve) => (loaded.onRouted = resolve));
    loaded.batcher.close();
    await loaded.batcher.drain();
    metrics?.forget(model, version);
    metrics?.modelLoads.inc({ model, version, result: 'unloaded' });
    try {
      await loaded.codec.dispose();
    } catch {
      // Disposal failures only leak memory; the version is gone either way.
    }
    emit({ type: 'unloaded', model, version });
  }
}
