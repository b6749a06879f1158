import { ValidationError } from '@mlinfra/core';
import { parseReference, type ResolvedModel } from '../model/model-source.js';
import type { ModelOptions, PreparedBatching, TargetOptions } from '../options.js';
import type { UnknownFields } from '../protocol/raw-rows.js';
import { Target, type TargetContext } from './target.js';
import type { LoadedVersion } from './version-pool.js';

/** Rejects with the first failure once every task settled (none is left running). */
async function settleAll(work: readonly Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A served model: its main target, canary, shadow and the extra versions of its version policy. */
export class ServedModel {
  readonly primary: Target;
  readonly canary: { readonly target: Target; readonly percent: number } | undefined;
  readonly shadow: Target | undefined;
  private readonly pinned = new Map<string, Target>();

  constructor(
    readonly name: string,
    private readonly options: ModelOptions,
    private readonly batching: PreparedBatching,
    private readonly context: TargetContext,
    /** What `/v1` does with raw-row fields that are not features. */
    readonly unknownFields: UnknownFields,
  ) {
    this.primary = new Target(name, options, batching, context);
    if (options.canary !== undefined) {
      const { percent, ...target } = options.canary;
      this.canary = {
        target: new Target(name, target as TargetOptions, batching, context),
        percent,
      };
    }
    if (options.shadow !== undefined) {
      const shadowName =
        'reference' in options.shadow
          ? parseReference(options.shadow.reference).name
          : `${name}.shadow`;
      this.shadow = new Target(shadowName, options.shadow, batching, context);
    }
  }

  /** The targets whose versions answer this model's URLs (not the shadow). */
  get targets(): Target[] {
    return [this.primary, ...(this.canary ? [this.canary.target] : []), ...this.pinned.values()];
  }

  /** Every target, the shadow included. */
  get allTargets(): Target[] {
    return this.shadow ? [...this.targets, this.shadow] : this.targets;
  }

  /** Every loaded version addressable through this model's URLs. */
  versions(): Map<string, LoadedVersion> {
    const map = new Map<string, LoadedVersion>();
    for (const target of this.targets)
      if (target.current) map.set(target.current.version, target.current);
    return map;
  }

  /** True when every target (the shadow included) has a version. */
  isLoaded(): boolean {
    return this.allTargets.every((target) => target.current !== undefined);
  }

  /** Re-resolves every target and the version policy; rejects with the first failure. */
  refresh(): Promise<void> {
    // Pinned versions refresh through the policy, which also drops the ones no longer wanted.
    const fixed = [this.primary, ...(this.canary ? [this.canary.target] : [])];
    if (this.shadow) fixed.push(this.shadow);
    return settleAll([...fixed.map((target) => target.refresh()), this.refreshPolicy()]);
  }

  /** Drops every target's hold on its version. */
  dispose(): void {
    for (const target of this.allTargets) target.dispose();
  }

  private async refreshPolicy(): Promise<void> {
    const policy = this.options.versions;
    if (policy === undefined || !('reference' in this.options)) return;
    const sourceName = parseReference(this.options.reference).name;
    const wanted =
      'specific' in policy
        ? policy.specific.map(String)
        : await this.latest(sourceName, policy.latest);
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
          const reference = { reference: `${sourceName}/${version}` };
          target = new Target(this.name, reference, this.batching, this.context);
          this.pinned.set(version, target);
        }
        return target.refresh();
      }),
    );
  }

  /** The newest `count` versions of a source model. */
  private async latest(sourceName: string, count: number): Promise<string[]> {
    const source = this.context.source;
    if (source?.listVersions === undefined) {
      throw new ValidationError(
        `Model "${this.name}" uses versions: { latest: ${count} } but the source has no listVersions(); use { specific: [...] } or a source that lists versions.`,
      );
    }
    const listed = await source.listVersions(sourceName);
    const versions = Array.isArray(listed)
      ? listed
      : (listed as { versions: readonly ResolvedModel[] }).versions;
    return versions
      .map((v) => String(v.version))
      .sort((a, b) => Number(b) - Number(a) || b.localeCompare(a))
      .slice(0, count);
  }
}
