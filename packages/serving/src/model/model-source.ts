/** A model version that a reference resolved to. */
export interface ResolvedModel {
  /** Registered model name, e.g. `churn`. */
  name: string;
  /** Version number or label, e.g. `3`. Served as the KServe `model_version` string. */
  version: string | number;
  /** Where the artifact is: a store digest (`sha256:...`) or a path the loader understands. */
  artifact: string;
  /**
   * The artifact's format, which picks the loader (`'tfjs'`: a `@mlinfra/trainer` artifact;
   * `'onnx'`: an ONNX model). Default `'tfjs'`. A registry returns it from `resolve`.
   */
  format?: string;
  /**
   * For each model input, the dataset columns fed to it, in order (`{ features: ['age', 'income'] }`):
   * how `/v1` rows and `scoreDataset` rows reach an ONNX model's inputs. A registry returns the
   * mapping registered with the version.
   */
  inputColumns?: Readonly<Record<string, readonly string[]>>;
}

/** Stops a {@link ModelSource.subscribe} subscription. */
export type Unsubscribe = () => void;

/**
 * Where served models come from. Declared here structurally: a `@mlinfra/registry` `Registry`
 * is one, and so is any object with these methods.
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
  /** Calls `listener` whenever anything about model `name` changes; returns a function that stops it. Preferred over `watch`. */
  subscribe?(name: string, listener: (event: unknown) => void): Unsubscribe;
  /** The changes to model `name` as an async iterable (used when there is no `subscribe`). */
  watch?(name: string): AsyncIterable<unknown>;
  /** The store holding the artifacts; the default loader uses it when no `store` option is given. */
  readonly store?: unknown;
}

/** Parsed form of a model reference. */
export interface ParsedReference {
  name: string;
  alias?: string;
  version?: string;
}

/** Splits `name@alias`, `name/3` or `name` into its parts. */
export function parseReference(reference: string): ParsedReference {
  const at = reference.lastIndexOf('@');
  if (at > 0) return { name: reference.slice(0, at), alias: reference.slice(at + 1) };
  const slash = reference.lastIndexOf('/');
  if (slash > 0) return { name: reference.slice(0, slash), version: reference.slice(slash + 1) };
  return { name: reference };
}
