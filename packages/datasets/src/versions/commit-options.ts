import type { Store, TableSchema } from '@mlinfra/core';
import { z } from 'zod';
import { csvOptionsSchema } from '../io/csv.js';
import { expectationsSchema } from '../validation/expectations.js';

/**
 * The options of {@link Datasets.commit}, one strict schema (an unknown key is an error naming
 * the nearest known one). The table schema is checked in depth by core's `parseSchema`, and the
 * expectations' columns against the commit's schema.
 */
export const commitOptionsSchema = z
  .object({
    /** Commit message. Default `''`. */
    message: z.string().optional(),
    /** Branch to commit to; created on first commit. Default `'main'`. */
    branch: z.string().optional(),
    /**
     * Schema to enforce. Default: the parent version's schema when the branch has one (schema
     * enforcement: data that does not fit is rejected; pass `schema` to change it), else the
     * schema the input carries (Arrow, Parquet) or one inferred from it (rows, columns, CSV).
     */
    schema: z.custom<TableSchema>().optional(),
    /** Statistical expectations; a failed one rejects the commit. Default none. */
    expectations: expectationsSchema.optional(),
    /** `'replace'`: the data is the whole new version. `'append'`: it is added to the parent's rows. Default `'replace'`. */
    mode: z.enum(['replace', 'append']).optional(),
    /** Author. Default: the one given to {@link openDatasets}. */
    author: z.string().optional(),
    /**
     * How many times to rebase onto a branch head that moved during the commit (another process
     * committed) before giving up with ConflictError. Expectations are checked again on each try.
     * Default 0 (a concurrent commit gives ConflictError at once).
     */
    retries: z.number().int().min(0).max(1000).optional(),
    /** Parquet compression codec. Default `'snappy'`. */
    codec: z.enum(['snappy', 'gzip', 'brotli', 'zstd', 'uncompressed']).optional(),
    /** Rows per Parquet row group (the unit of streaming and shuffling). Default 65536. */
    rowGroupRows: z.number().int().min(1).max(10_000_000).optional(),
    /** A version's rows are split into Parquet files of at most this many rows. Default 262144. */
    rowsPerFile: z.number().int().min(1).optional(),
    /**
     * Worker threads that encode Parquet files in parallel with reading, validating and profiling
     * the input (only in the built package; from TypeScript sources it encodes in-thread); 0
     * encodes on the calling thread. The files are identical either way. Default 0.
     */
    threads: z.number().int().min(0).max(64).optional(),
    /** CSV reading options, for a CSV path input. */
    csv: csvOptionsSchema.optional(),
    /** Free-form string metadata stored in the manifest. Default `{}`. */
    metadata: z.record(z.string(), z.string()).optional(),
    /**
     * Compute and store an `@mlinfra/drift` profile (quantile sketches, frequent items, histograms)
     * with the version, for drift checks and `diff`. Default true.
     */
    profile: z.boolean().optional(),
  })
  .strict();

/** Options of {@link Datasets.commit}. */
export type CommitOptions = z.input<typeof commitOptionsSchema>;

/**
 * The options of {@link openDatasets}, one strict schema. The store is checked by `isStore`
 * after parsing, with a message naming what it takes.
 */
export const openDatasetsOptionsSchema = z
  .object({
    /** A store from `@mlinfra/core`, or a folder path for one. Default: `createStore()` ($MLINFRA_HOME or ./.mlinfra). */
    store: z.custom<Store | string>().optional(),
    /**
     * Folder for local copies of Parquet blobs (reads need random access). Default
     * `<store folder>/cache/datasets` for a folder store, else `<os tmpdir>/mlinfra-datasets-cache`.
     * Safe to delete at any time.
     */
    cacheDir: z.string().optional(),
    /** Default author recorded on commits. Default: `$MLINFRA_ACTOR`, else the OS user (as the registry). */
    author: z.string().optional(),
  })
  .strict();

/** Options of {@link openDatasets}. */
export type OpenDatasetsOptions = z.input<typeof openDatasetsOptionsSchema>;
