import { rename, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isStore, MissingDependencyError, parseOptions, type Store } from '@mlinfra/core';
import { z } from 'zod';
import type { PredictionRecord, PredictionSink } from './prediction-log.js';
import { RotatingFiles } from './rotation.js';

const parquetSinkSchema = z.strictObject({
  /** Folder the Parquet files go to; created when missing. */
  directory: z.string().min(1, 'give the folder for the Parquet files'),
  /** Rows per file: a file is written once this many records are buffered. Default 50,000. */
  maxRecordsPerFile: z.number().int().positive().optional(),
  /** Longest a record waits in memory before its file is written, in ms. Default 60,000. */
  maxFileAgeMs: z.number().positive().optional(),
  /** File name prefix. Default `predictions`. */
  prefix: z.string().min(1).optional(),
  /**
   * A core store (from `createStore()`, such as the shared S3 + PostgreSQL one) that receives
   * every finished file as a blob, named by the ref `serving/predictions/<name>/<file name>`, so
   * logs from every replica meet in one place and gc keeps them. Default none (local files only).
   */
  store: z
    .custom<Store>((value) => isStore(value), { message: 'expected a Store from createStore()' })
    .optional(),
  /** With `store`: the log's name in the ref, letters, digits, `.`, `_` and `-`. Default the prefix. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
    .optional(),
  /**
   * Called when a file written on the age timer (not inside a `write` call) fails, with the
   * records it held. Failures inside `write` reject it instead (and the log counts them dropped).
   */
  onError: z
    .custom<(error: unknown, records: number) => void>((value) => typeof value === 'function', {
      message: 'expected a function (error, records) => void',
    })
    .optional(),
});

/** Options of {@link createParquetSink}. */
export type ParquetSinkOptions = z.input<typeof parquetSinkSchema>;

type ColumnKind = 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'JSON';

interface ColumnSource {
  name: string;
  data: unknown[];
  type: ColumnKind | 'INT32' | 'TIMESTAMP';
  nullable?: boolean;
}

type Writer = (options: { columnData: ColumnSource[] }) => ArrayBuffer;

async function loadWriter(): Promise<Writer> {
  try {
    const module = (await import('hyparquet-writer')) as unknown as { parquetWriteBuffer: Writer };
    return module.parquetWriteBuffer;
  } catch (error) {
    throw new MissingDependencyError(
      'Cannot import "hyparquet-writer". Install it (npm install hyparquet-writer@0.17.0) to use createParquetSink.',
      { cause: error },
    );
  }
}

function kindOf(value: unknown): ColumnKind {
  if (typeof value === 'number') return 'DOUBLE';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOLEAN';
  return 'JSON';
}

/** Turns records into Parquet columns: metadata columns prefixed `_`, one column per feature and output. */
export function recordsToColumns(records: readonly PredictionRecord[]): ColumnSource[] {
  const columns: ColumnSource[] = [
    { name: '_id', type: 'STRING', data: records.map((r) => r.id) },
    { name: '_row', type: 'INT32', data: records.map((r) => r.row) },
    { name: '_time', type: 'TIMESTAMP', data: records.map((r) => new Date(r.time)) },
    { name: '_model', type: 'STRING', data: records.map((r) => r.model) },
    { name: '_version', type: 'STRING', data: records.map((r) => r.version) },
    { name: '_latency_ms', type: 'DOUBLE', data: records.map((r) => r.latencyMs) },
    { name: '_shadow', type: 'BOOLEAN', data: records.map((r) => r.shadow === true) },
  ];
  const features = new Map<string, ColumnKind>();
  let outputs = 0;
  for (const record of records) {
    const inputs = record.inputs;
    const entries: [string, unknown][] = Array.isArray(inputs)
      ? inputs.map((value, index) => [`input_${index}`, value])
      : typeof inputs === 'object' && inputs !== null
        ? Object.entries(inputs)
        : [['input', inputs]];
    for (const [name, value] of entries) {
      if (value === null || value === undefined) {
        if (!features.has(name)) features.set(name, 'DOUBLE');
        continue;
      }
      const kind = kindOf(value);
      const known = features.get(name);
      features.set(name, known === undefined || known === kind ? kind : 'JSON');
    }
    outputs = Math.max(outputs, record.outputs.length);
  }
  const featureValue = (record: PredictionRecord, name: string): unknown => {
    const inputs = record.inputs;
    if (Array.isArray(inputs)) {
      const index = name.startsWith('input_') ? Number(name.slice(6)) : -1;
      return inputs[index];
    }
    if (typeof inputs === 'object' && inputs !== null)
      return (inputs as Record<string, unknown>)[name];
    return name === 'input' ? inputs : undefined;
  };
  for (const [name, kind] of features) {
    columns.push({
      name,
      type: kind,
      nullable: true,
      data: records.map((record) => {
        const value = featureValue(record, name);
        if (value === undefined || value === null) return null;
        return kind === 'JSON' ? JSON.stringify(value) : value;
      }),
    });
  }
  for (let index = 0; index < outputs; index++) {
    columns.push({
      name: `output_${index}`,
      type: 'DOUBLE',
      nullable: true,
      data: records.map((record) => record.outputs[index] ?? null),
    });
  }
  return columns;
}

/**
 * A sink that writes rotated Parquet files (`<prefix>-<UTC time>-<n>.parquet`) that
 * `@mlinfra/datasets` reads: one row per prediction row; columns `_id`, `_row`, `_time`,
 * `_model`, `_version`, `_latency_ms`, `_shadow`, then one column per raw feature (`/v1`) or
 * `input_<i>` (`/v2`), then `output_<i>`. Records are buffered in memory and a file is written
 * (temp file, then rename) when `maxRecordsPerFile` are buffered, when the oldest is
 * `maxFileAgeMs` old, or on close. With `store`, each finished file is also put in the store and
 * named by a ref (`serving/predictions/<name>/<file>`), so every replica's log is shared.
 * @throws ValidationError on invalid options; MissingDependencyError (on first write) without hyparquet-writer.
 */
export function createParquetSink(input: ParquetSinkOptions): PredictionSink {
  const options = parseOptions(parquetSinkSchema, input, 'createParquetSink options');
  const maxRecords = options.maxRecordsPerFile ?? 50_000;
  const maxAgeMs = options.maxFileAgeMs ?? 60_000;
  const files = new RotatingFiles({
    directory: options.directory,
    extension: 'parquet',
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
  const refPrefix = `serving/predictions/${options.name ?? options.prefix ?? 'predictions'}/`;
  let buffer: PredictionRecord[] = [];
  let oldest = 0;
  let timer: NodeJS.Timeout | undefined;
  let writer: Promise<Writer> | undefined;
  let chain: Promise<void> = Promise.resolve();

  const writeFileOf = async (records: PredictionRecord[]): Promise<void> => {
    writer ??= loadWriter();
    const write = await writer;
    const bytes = write({ columnData: recordsToColumns(records) });
    const path = await files.next();
    await writeFile(`${path}.tmp`, new Uint8Array(bytes));
    await rename(`${path}.tmp`, path);
    if (options.store !== undefined) {
      // The ref is set after the blob is whole: a reader never finds a ref without its bytes.
      const blob = await options.store.putFile(path);
      await options.store.refs.set(`${refPrefix}${basename(path)}`, blob.digest);
    }
  };
  const rotate = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return chain;
    const records = buffer;
    buffer = [];
    // A failed file must not poison the files after it.
    chain = chain.catch(() => undefined).then(() => writeFileOf(records));
    return chain;
  };
  return {
    async write(records) {
      if (buffer.length === 0) {
        oldest = Date.now();
        timer = setTimeout(() => {
          const records = buffer.length;
          rotate().catch((error: unknown) => options.onError?.(error, records));
        }, maxAgeMs);
        timer.unref();
      }
      for (const record of records) buffer.push(record);
      if (buffer.length >= maxRecords || Date.now() - oldest >= maxAgeMs) await rotate();
    },
    async close() {
      await rotate();
    },
  };
}
