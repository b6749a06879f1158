import { ValidationError } from '@mlinfra/core';
import { type ModelSource, parseReference, type ResolvedModel } from '../model/model-source.js';
import type { ServablePredictor } from '../model/tensor-predictor.js';
import type { PreparedBatching, TargetOptions } from '../options.js';
import type { Emit } from './events.js';
import type { LoadedVersion, VersionPool } from './version-pool.js';

/** What a target needs from the service: where versions come from and go. */
export interface TargetContext {
  readonly pool: VersionPool;
  readonly source: ModelSource | undefined;
  readonly emit: Emit;
  /** True once the service began closing: no new version is taken. */
  isClosing(): boolean;
}

/** One followed reference (or fixed predictor/path) and the version it currently points to. */
export class Target {
  /** The version requests get now; replaced in one assignment on a swap. */
  current: LoadedVersion | undefined;
  private chain: Promise<void> = Promise.resolve();
  private predictorCounter = 0;

  constructor(
    readonly model: string,
    readonly spec: TargetOptions,
    private readonly batching: PreparedBatching,
    private readonly context: TargetContext,
  ) {}

  /** The source model this target follows, when it follows one. */
  get sourceName(): string | undefined {
    return 'reference' in this.spec ? parseReference(this.spec.reference).name : undefined;
  }

  /** Resolves again and swaps when the version changed; serialized per target. */
  refresh(): Promise<void> {
    const run = this.chain.then(() => this.refreshNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Drops this target's hold on its version. */
  dispose(): void {
    if (this.current !== undefined) this.context.pool.release(this.current);
    this.current = undefined;
  }

  private async resolve(): Promise<
    { resolved: ResolvedModel; predictor?: ServablePredictor } | undefined
  > {
    const spec = this.spec;
    if ('reference' in spec) {
      const source = this.context.source;
      if (source === undefined) {
        throw new ValidationError(
          `Model "${this.model}" names "${spec.reference}" but no "source" was given.`,
        );
      }
      return { resolved: await source.resolve(spec.reference) };
    }
    const version = spec.version ?? '1';
    if ('path' in spec) {
      const resolved: ResolvedModel = { name: this.model, version, artifact: spec.path };
      if (spec.format !== undefined) resolved.format = spec.format;
      return { resolved };
    }
    // A given predictor never changes: load it once.
    if (this.current !== undefined) return undefined;
    return {
      resolved: { name: this.model, version, artifact: `predictor:${this.predictorCounter++}` },
      predictor: spec.predictor,
    };
  }

  private async refreshNow(): Promise<void> {
    const { pool, emit } = this.context;
    if (this.context.isClosing()) return;
    const found = await this.resolve();
    if (found === undefined) return;
    const { resolved, predictor } = found;
    const version = String(resolved.version);
    const current = this.current;
    if (
      current !== undefined &&
      current.version === version &&
      current.key.endsWith(`\u0000${resolved.artifact}`)
    ) {
      return;
    }
    const next = await pool.acquire(this.model, resolved, this.batching, predictor);
    if (this.context.isClosing()) {
      pool.release(next);
      return;
    }
    const previous = this.current;
    // The swap is one assignment: a request picks either the old or the new version, never none.
    this.current = next;
    if (previous !== undefined) {
      emit({ type: 'swapped', model: this.model, version, previousVersion: previous.version });
      pool.release(previous);
    }
  }
}
