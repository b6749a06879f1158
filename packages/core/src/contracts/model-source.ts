/** A model version that a reference resolved to. */
export interface ResolvedModel {
  /** Registered model name, e.g. `churn`. */
  name: string;
  /** Version number or label, e.g. `3`. Served as the KServe `model_version` string. */
  version: string | number;
  /** Where the artifact is: a store digest (`sha256:...`) or a path the loader understands. */
  artifact: string;
  /**
   * The artifact's format, which picks the serving loader (`'tfjs'`: a `@mlinfra/trainer`
   * artifact; `'onnx'`: an ONNX model). Absent means `'tfjs'`.
   */
  format?: string;
  /**
   * For each model input, the dataset columns fed to it, in order (`{ features: ['age', 'income'] }`):
   * how `/v1` rows and `scoreDataset` rows reach an ONNX model's inputs. A registry returns the
   * mapping registered with the version.
   */
  inputColumns?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A change to a model, as a `@mlinfra/registry` `Registry` reports it: a new version, an alias
 * moved, an approval. Consumers treat events as triggers (they re-resolve on any event), so a
 * {@link ModelSource}'s listener receives `unknown`: any source may send its own event shape.
 */
export interface ModelChangeEvent {
  /** What happened, e.g. `alias.set` or `version.create`. */
  action: string;
  /** The model concerned. */
  model?: string;
  /** The version concerned. */
  version?: string | number;
  /** The alias concerned. */
  alias?: string;
}

/** Stops a {@link ModelSource.subscribe} subscription. */
export type Unsubscribe = () => void;

/**
 * Where served models come from. Consumed by `@mlinfra/serving`; a `@mlinfra/registry`
 * `Registry` is one, and so is any object with these methods.
 */
export interface ModelSource {
  /**
   * Resolves `name@alias` (e.g. `churn@champion`), `name/3` (a version) or `name` (its latest
   * version) to a version and its artifact.
   * @throws NotFoundError when the model, alias or version does not exist.
   */
  resolve(reference: string): Promise<ResolvedModel>;
  /**
   * Lists the versions of a model, newest first (an array, or a page `{ versions }`). Needed only
   * for the `{ latest: n }` version policy.
   */
  listVersions?(
    name: string,
  ): Promise<readonly ResolvedModel[] | { versions: readonly ResolvedModel[] }>;
  /**
   * Calls `listener` whenever anything about model `name` changes; returns a function that stops
   * it. Preferred over `watch`.
   */
  subscribe?(name: string, listener: (event: unknown) => void): Unsubscribe;
  /** The changes to model `name` as an async iterable (used when there is no `subscribe`). */
  watch?(name: string): AsyncIterable<unknown>;
  /** The store holding the artifacts; a loader uses it when it is given no store. */
  readonly store?: unknown;
}
