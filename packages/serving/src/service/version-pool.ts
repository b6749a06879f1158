import { ValidationError } from '@mlinfra/core';
import { DynamicBatcher } from '../batching/dynamic-batcher.js';
import type { ServingMetrics, VersionMetrics } from '../metrics/serving-metrics.js';
import type { ModelLoader } from '../model/loader.js';
import type { ResolvedModel } from '../model/model-source.js';
import { checkSignature, type Predictor, type SignatureSizes } from '../model/predictor.js';
import type { PreparedBatching } from '../options.js';
import type { Emit } from './events.js';

/** One loaded, warmed model version with its batcher, shared by every target that names it. */
export interface LoadedVersion {
  readonly model: string;
  readonly version: string;
  readonly key: string;
  readonly predictor: Predictor;
  readonly sizes: SignatureSizes;
  readonly batcher: DynamicBatcher;
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
    predictor: Predictor | undefined,
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
    given: Predictor | undefined,
  ): Promise<LoadedVersion> {
    const { metrics, emit } = this.settings;
    try {
      const predictor = given ?? (await this.settings.load(resolved));
      const sizes = checkSignature(predictor.signature, model);
      if (this.settings.warmup) await warm(predictor, sizes, batching, model, version);
      const loaded: LoadedVersion = {
        model,
        version,
        key,
        predictor,
        sizes,
        holds: 0,
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
      loaded.metrics = metrics?.forVersion(model, version, () => loaded.batcher.depth);
      metrics?.modelLoads.inc({ model, version, result: 'loaded' });
      emit({ type: 'loaded', model, version });
      return loaded;
    } catch (error) {
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
      await loaded.predictor.dispose?.();
    } catch {
      // Disposal failures only leak memory; the version is gone either way.
    }
    emit({ type: 'unloaded', model, version });
  }
}

/** Runs a predictor on zero-filled batches of 1 and of the largest batch, checking its output. */
async function warm(
  predictor: Predictor,
  sizes: SignatureSizes,
  batching: PreparedBatching,
  model: string,
  version: string,
): Promise<void> {
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
