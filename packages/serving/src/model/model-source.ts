/** A model version that a reference resolved to. */
export interface ResolvedModel {
  /** Registered model name, e.g. `churn`. */
  name: string;
  /** Version number or label, e.g. `3`. Served as the KServe `model_version` string. */
  version: string | number;
  /** Where the artifact is: a store digest (`sha256:...`) or a path the loader understands. */
  artifact: string;
}

/** Stops a {@link ModelSource.watch} subscription. */
export type Unsubscribe = () => void;

/**
 * Where served models come from. Declared here structurally: a `@mlinfra/registry` instance is
 * one, and so is any object with these methods.
 */
export interface ModelSource {
  /**
   * Resolves `name@alias` (e.g. `churn@champion`), `name/3` (a version) or `name` (its latest
   * version) to a version and its artifact.
   * @throws NotFoundError when the model, alias or version does not exist.
   */
  resolve(reference: string): Promise<ResolvedModel>;
  /**
   * Lists the versions of a model (any order). Needed only for the `{ latest: n }` version policy.
   */
  listVersions?(name: string): Promise<readonly ResolvedModel[]>;
  /**
   * Notifies when anything about model `name` changes (an alias moved, a version was added).
   * Either calls `listener` and returns an unsubscribe function, or returns an async iterable
   * of change events. Without `watch`, the server polls `resolve` (see `pollIntervalMs`).
   */
  watch?(
    name: string,
    listener: (event: unknown) => void,
  ): Unsubscribe | AsyncIterable<unknown> | Promise<Unsubscribe>;
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
