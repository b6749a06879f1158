import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MlinfraError, type TableSchema } from '@mlinfra/core';
import { type ColumnChunk, type ColumnData, sliceChunk } from '../table/column-chunk.js';
import type { WorkerRequest, WorkerResponse } from './parquet-worker.js';
import { type ParquetCodec, ParquetFileWriter } from './parquet-write.js';

/** A Parquet file written by a {@link FileSetWriter}. */
export interface WrittenFile {
  path: string;
  rows: number;
  /** SHA-256 (hex) of the file's bytes, computed while writing. */
  sha256: string;
}

/** Options of {@link createFileSetWriter}. */
export interface FileSetWriterOptions {
  /** Folder for the files. */
  folder: string;
  schema: TableSchema;
  codec?: ParquetCodec;
  rowGroupRows?: number;
  /** A new file starts after this many rows. */
  rowsPerFile: number;
  /** Worker threads encoding files in parallel; 0 encodes on the calling thread. */
  threads: number;
}

/** Writes normalised chunks into a sequence of Parquet files of at most `rowsPerFile` rows each. */
export interface FileSetWriter {
  write(chunk: ColumnChunk): Promise<void>;
  /** Finishes every file; returns them in row order (at least one file, possibly empty). */
  finish(): Promise<WrittenFile[]>;
  /** Stops and deletes every file. */
  abort(): Promise<void>;
}

/**
 * Default worker threads: 0. Measured on a shared 2-core machine, encoding on workers was slower
 * than on the calling thread (cloning chunks across threads costs more than it saves there);
 * pass `threads` where idle cores are available.
 */
export function defaultThreads(): number {
  return 0;
}

/** Splits chunks at file boundaries. */
class Rotator {
  private file = 0;
  private rowsInFile = 0;

  constructor(private readonly rowsPerFile: number) {}

  /** Row ranges `[start, end)` of `chunk` and the file each belongs to. */
  *pieces(chunk: ColumnChunk): Generator<{ file: number; start: number; end: number }> {
    let start = 0;
    while (start < chunk.length) {
      if (this.rowsInFile === this.rowsPerFile) {
        this.file++;
        this.rowsInFile = 0;
      }
      const take = Math.min(chunk.length - start, this.rowsPerFile - this.rowsInFile);
      yield { file: this.file, start, end: start + take };
      this.rowsInFile += take;
      start += take;
    }
  }
}

/** Copies typed-array views that do not span their buffer: cloning a view would copy the whole buffer. */
function compact(chunk: ColumnChunk): ColumnChunk {
  const columns: Record<string, ColumnData> = {};
  for (const [name, values] of Object.entries(chunk.columns)) {
    columns[name] =
      ArrayBuffer.isView(values) && values.byteLength !== values.buffer.byteLength
        ? (values.slice() as ColumnData)
        : values;
  }
  return { length: chunk.length, columns };
}

/** The compiled worker next to this module, or undefined when running from TypeScript sources. */
function workerUrl(): URL | undefined {
  try {
    const url = new URL('./parquet-worker.js', import.meta.url);
    return existsSync(fileURLToPath(url)) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Settles with the error instead of rejecting (so a pending flush never goes unhandled). */
function quiet(promise: Promise<void>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error ?? new Error('flushing a Parquet file failed'),
  );
}

class LocalWriter implements FileSetWriter {
  /** Files being flushed to disk: undefined when done, else the error. */
  private readonly finishing: Promise<unknown>[] = [];
  private readonly writers: ParquetFileWriter[] = [];
  private readonly rotator: Rotator;
  private readonly id = randomUUID();

  constructor(private readonly options: FileSetWriterOptions) {
    this.rotator = new Rotator(options.rowsPerFile);
  }

  private open(file: number): ParquetFileWriter {
    let writer = this.writers[file];
    if (writer === undefined) {
      writer = new ParquetFileWriter(
        join(this.options.folder, `part-${this.id}-${file}.parquet`),
        this.options.schema,
        {
          ...(this.options.codec === undefined ? {} : { codec: this.options.codec }),
          ...(this.options.rowGroupRows === undefined
            ? {}
            : { rowGroupRows: this.options.rowGroupRows }),
        },
      );
      this.writers[file] = writer;
      // A file is complete once the next one starts; the disk flushes it while we go on.
      const previous = this.writers[file - 1];
      if (previous !== undefined) this.finishing.push(quiet(previous.finishDurable()));
    }
    return writer;
  }

  async write(chunk: ColumnChunk): Promise<void> {
    for (const piece of this.rotator.pieces(chunk))
      this.open(piece.file).write(chunk, piece.start, piece.end);
  }

  async finish(): Promise<WrittenFile[]> {
    if (this.writers.length === 0) this.open(0);
    this.finishing.push(quiet(this.writers.at(-1)!.finishDurable()));
    for (const result of await Promise.all(this.finishing.splice(0))) {
      if (result !== undefined) throw result;
    }
    return this.writers.map((writer) => ({
      path: writer.path,
      rows: writer.rows,
      sha256: writer.sha256!,
    }));
  }

  async abort(): Promise<void> {
    await Promise.all(this.finishing.splice(0));
    for (const writer of this.writers) {
      writer.close();
      await rm(writer.path, { force: true });
    }
  }
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Encodes files on worker threads, file `i` on worker `i % threads`, with bounded in-flight chunks. */
class ThreadedWriter implements FileSetWriter {
  private readonly workers: Worker[];
  private readonly rotator: Rotator;
  private readonly id = randomUUID();
  private readonly paths: string[] = [];
  private readonly rows: number[] = [];
  private readonly hashes: string[] = [];
  private readonly acks = new Map<number, Pending[]>();
  private readonly finished = new Map<
    number,
    { promise: Promise<number>; settle: Pending & { rows?: number } }
  >();
  private failure: Error | undefined;

  constructor(
    private readonly options: FileSetWriterOptions,
    url: URL,
  ) {
    this.rotator = new Rotator(options.rowsPerFile);
    this.workers = Array.from({ length: options.threads }, () => {
      const worker = new Worker(url);
      worker.on('message', (message: WorkerResponse) => this.onMessage(message));
      worker.on('error', (error) => this.fail(error));
      return worker;
    });
  }

  private fail(error: Error): void {
    this.failure ??= new MlinfraError(
      `Writing Parquet on a worker thread failed: ${error.message}`,
      'INTERNAL',
      { cause: error },
    );
    for (const queue of this.acks.values())
      for (const pending of queue.splice(0)) pending.reject(this.failure);
    for (const { settle } of this.finished.values()) settle.reject(this.failure);
  }

  private onMessage(message: WorkerResponse): void {
    if (message.type === 'ack') this.acks.get(message.file)?.shift()?.resolve();
    else if (message.type === 'finished') {
      this.rows[message.file] = message.rows;
      this.hashes[message.file] = message.sha256;
      this.finished.get(message.file)?.settle.resolve();
    } else this.fail(new Error(message.message));
  }

  private worker(file: number): Worker {
    return this.workers[file % this.workers.length]!;
  }

  private post(file: number, request: WorkerRequest): void {
    this.worker(file).postMessage(request);
  }

  private open(file: number): void {
    if (this.paths[file] !== undefined) return;
    const path = join(this.options.folder, `part-${this.id}-${file}.parquet`);
    this.paths[file] = path;
    this.acks.set(file, []);
    this.post(file, {
      type: 'open',
      file,
      path,
      schema: this.options.schema,
      ...(this.options.codec === undefined ? {} : { codec: this.options.codec }),
      ...(this.options.rowGroupRows === undefined
        ? {}
        : { rowGroupRows: this.options.rowGroupRows }),
    });
    if (file > 0) this.close(file - 1);
  }

  private close(file: number): void {
    if (this.finished.has(file)) return;
    let settle!: Pending;
    const promise = new Promise<number>((resolve, reject) => {
      settle = { resolve: () => resolve(this.rows[file] ?? 0), reject };
    });
    promise.catch(() => undefined);
    this.finished.set(file, { promise, settle });
    this.post(file, { type: 'finish', file });
  }

  async write(chunk: ColumnChunk): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    for (const piece of this.rotator.pieces(chunk)) {
      this.open(piece.file);
      const queue = this.acks.get(piece.file)!;
      const acked = new Promise<void>((resolve, reject) => queue.push({ resolve, reject }));
      acked.catch(() => undefined);
      const part =
        piece.start === 0 && piece.end === chunk.length
          ? chunk
          : sliceChunk(chunk, piece.start, piece.end);
      this.post(piece.file, { type: 'write', file: piece.file, chunk: compact(part) });
      // Backpressure: at most two chunks in flight per file, so memory stays bounded.
      if (queue.length > 2) await acked;
    }
  }

  async finish(): Promise<WrittenFile[]> {
    try {
      if (this.paths.length === 0) this.open(0);
      this.close(this.paths.length - 1);
      await Promise.all([...this.finished.values()].map(({ promise }) => promise));
      if (this.failure !== undefined) throw this.failure;
      return this.paths.map((path, file) => ({
        path,
        rows: this.rows[file] ?? 0,
        sha256: this.hashes[file] ?? '',
      }));
    } finally {
      await Promise.all(this.workers.map((worker) => worker.terminate()));
    }
  }

  async abort(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    await Promise.all(this.paths.map((path) => rm(path, { force: true })));
  }
}

/**
 * A writer of row-ordered Parquet files: on worker threads when `threads > 0` and the compiled
 * worker is available (the built package), else on the calling thread. Both produce the same files.
 */
export function createFileSetWriter(options: FileSetWriterOptions): FileSetWriter {
  const url = options.threads > 0 ? workerUrl() : undefined;
  return url === undefined ? new LocalWriter(options) : new ThreadedWriter(options, url);
}
