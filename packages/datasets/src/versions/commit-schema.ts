// Schema resolution of a commit: which schema the new version enforces.
import { parseSchema, type TableSchema, ValidationError } from '@mlinfra/core';
import type { OpenedInput } from '../io/sources.js';
import type { RawChunk } from '../table/normalize.js';
import type { Version } from './manifest.js';

/** Whether two canonical schemas are the same. */
export function schemasEqual(a: TableSchema, b: TableSchema): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The schema with `nullable` always present, so equal schemas compare equal. */
export function canonicalSchema(schema: TableSchema): TableSchema {
  return {
    columns: schema.columns.map((column) => ({ ...column, nullable: column.nullable === true })),
  };
}

/** What decides a commit's schema. */
export interface SchemaSources {
  /** The `schema` option, canonical, if given. */
  explicit: TableSchema | undefined;
  /** The branch head. */
  parent: Version | undefined;
  input: OpenedInput;
  /** The input's first chunk (done when the input is empty). */
  first: IteratorResult<RawChunk>;
  mode: 'replace' | 'append';
  /** Names the dataset and branch in errors, e.g. `"taxi" branch "main"`. */
  label: string;
}

/**
 * The schema of a commit: the explicit one, else the parent's (enforcement), else the one the
 * input carries, else one inferred from the first chunk; canonical. An append keeps the
 * parent's schema.
 * @throws ValidationError for empty data with nothing to infer from, or an append that changes the schema.
 */
export function resolveCommitSchema(sources: SchemaSources): TableSchema {
  const { explicit, parent, input, first } = sources;
  let schema =
    explicit ??
    parent?.schema ??
    (input.schema === undefined ? undefined : parseSchema(input.schema));
  if (schema === undefined) {
    if (first.done === true) {
      throw new ValidationError(
        'Cannot infer a schema from empty data; pass { schema } or commit at least one row',
      );
    }
    // An inferred schema is checked like a given one (names a row object can hold, no duplicates).
    schema = parseSchema(input.infer(first.value));
  }
  schema = canonicalSchema(schema);
  if (sources.mode === 'append' && parent !== undefined && !schemasEqual(schema, parent.schema)) {
    throw new ValidationError(
      `Append to ${sources.label} needs the parent's schema; commit with mode 'replace' to change the schema`,
    );
  }
  return schema;
}
