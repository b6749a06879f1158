/**
 * Worker thread that encodes Parquet files for {@link ThreadedParquetWriter}: it receives
 * normalised chunks and writes them with {@link ParquetFileWriter}, acknowledging each chunk so
 * the sender can apply backpressure.
 */
import { parentPort } from 'node:worker_threads';
import type { TableSchema } from '@mlinfra/core';
import type { ColumnChunk } from '../table/column-chunk.js';
import { type ParquetCodec, ParquetFileWriter } from './parquet-write.js';

/** Messages to the worker. */
export type WorkerRequest =
  | {
      type: 'open';
      file: number;
      path: string;
      schema: TableSchema;
      codec?: ParquetCodec;
      rowGroupRows?: number;
    }
  | { type: 'write'; file: number; chunk: ColumnChunk }
  | { type: 'finish'; file: number }
  | { type: 'abort'; file: number };

/** Messages from the worker. */
export type WorkerResponse =
  | { type: 'ack'; file: number }
  | { type: 'finished'; file: number; rows: number; sha256: string }
  | { type: 'error'; file: number; message: string };

const writers = new Map<number, ParquetFileWriter>();

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    switch (request.type) {
      case 'open':
        writers.set(
          request.file,
          new ParquetFileWriter(request.path, request.schema, {
            ...(request.codec === undefined ? {} : { codec: request.codec }),
            ...(request.rowGroupRows === undefined ? {} : { rowGroupRows: request.rowGroupRows }),
          }),
        );
        break;
      case 'write':
        writers.get(request.file)?.write(request.chunk);
        parentPort?.postMessage({ type: 'ack', file: request.file } satisfies WorkerResponse);
        break;
      case 'finish': {
        const writer = writers.get(request.file);
        writer?.finish();
        writers.delete(request.file);
        parentPort?.postMessage({
          type: 'finished',
          file: request.file,
          rows: writer?.rows ?? 0,
          sha256: writer?.sha256 ?? '',
        } satisfies WorkerResponse);
        break;
      }
      case 'abort':
        writers.get(request.file)?.close();
        writers.delete(request.file);
        break;
    }
  } catch (error) {
    writers.get(request.file)?.close();
    writers.delete(request.file);
    parentPort?.postMessage({
      type: 'error',
      file: request.file,
      message: (error as Error).message,
    } satisfies WorkerResponse);
  }
});
