import type {
  InstanceRow,
  ModelChangeEvent,
  ModelSource,
  Predictor,
  ResolvedModel,
} from '../index.js';

/** A linear model `y = sum(w_i * x_i) + bias` that records the rows of every batch it runs. */
export function linearPredictor(
  options: { features?: number; bias?: number; delayMs?: number } = {},
): Predictor & { batches: number[] } {
  const features = options.features ?? 3;
  const bias = options.bias ?? 0;
  const batches: number[] = [];
  return {
    batches,
    signature: {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, features] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    },
    async predict(batch, rows) {
      batches.push(rows);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const out = new Float32Array(rows);
      for (let row = 0; row < rows; row++) {
        let sum = bias;
        for (let i = 0; i < features; i++) sum += (i + 1) * batch[row * features + i]!;
        out[row] = sum;
      }
      return out;
    },
    transform(instances: readonly InstanceRow[]) {
      const out = new Float32Array(instances.length * features);
      instances.forEach((instance, row) => {
        for (let i = 0; i < features; i++) {
          const value = instance[`f${i}`];
          if (typeof value !== 'number') throw new Error(`feature f${i} must be a number`);
          out[row * features + i] = value;
        }
      });
      return out;
    },
  };
}

/** A ModelSource kept in memory: versions, aliases, and change notifications. */
export class MemorySource implements ModelSource {
  readonly versions = new Map<string, Map<string, string>>();
  readonly aliases = new Map<string, string>();
  /** Artifact formats by artifact, for versions added with one. */
  readonly formats = new Map<string, string>();
  private readonly listeners = new Map<string, Set<(event: ModelChangeEvent) => void>>();

  addVersion(name: string, version: number, artifact: string, format?: string): void {
    if (format !== undefined) this.formats.set(artifact, format);
    let versions = this.versions.get(name);
    if (versions === undefined) {
      versions = new Map();
      this.versions.set(name, versions);
    }
    versions.set(String(version), artifact);
    this.notify(name);
  }

  setAlias(name: string, alias: string, version: number): void {
    this.aliases.set(`${name}@${alias}`, String(version));
    this.notify(name);
  }

  async resolve(reference: string): Promise<ResolvedModel> {
    const at = reference.indexOf('@');
    const slash = reference.indexOf('/');
    const name =
      at > 0 ? reference.slice(0, at) : slash > 0 ? reference.slice(0, slash) : reference;
    const versions = this.versions.get(name);
    if (versions === undefined) throw new Error(`no model ${name}`);
    const version =
      at > 0
        ? this.aliases.get(reference)
        : slash > 0
          ? reference.slice(slash + 1)
          : [...versions.keys()].sort((a, b) => Number(b) - Number(a))[0];
    const artifact = version === undefined ? undefined : versions.get(version);
    if (version === undefined || artifact === undefined)
      throw new Error(`cannot resolve ${reference}`);
    const format = this.formats.get(artifact);
    return {
      name,
      version: Number(version),
      artifact,
      ...(format === undefined ? {} : { format }),
    };
  }

  async listVersions(name: string): Promise<ResolvedModel[]> {
    return [...(this.versions.get(name) ?? new Map<string, string>())].map(
      ([version, artifact]) => ({
        name,
        version: Number(version),
        artifact,
      }),
    );
  }

  subscribe(name: string, listener: (event: ModelChangeEvent) => void): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  private notify(name: string): void {
    for (const listener of this.listeners.get(name) ?? [])
      listener({ action: 'changed', model: name });
  }
}

/** Waits until `check` holds, polling every 5 ms (fails the test after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
