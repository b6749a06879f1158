// Declared once in core's type-only contracts entry; a registry is checked against the same ones.
export type {
  ModelChangeEvent,
  ModelSource,
  ResolvedModel,
  Unsubscribe,
} from '@mlinfra/core/contracts';

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
