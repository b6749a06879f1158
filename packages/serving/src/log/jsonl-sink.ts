import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ValidationError } from '@mlinfra/core';
import type { PredictionRecord, PredictionSink } from './prediction-log.js';
import { RotatingFiles, type RotationOptions } from './rotation.js';

/** Options of {@link createJsonlSink}. */
export interface JsonlSinkOptions extends RotationOptions {
  /**
   * One file that every record is appended to. Give either `path` or `directory` (rotated files
   * named `predictions-<time>-<n>.jsonl`).
   */
  path?: string;
}

/**
 * A sink that writes one JSON object per line. With `path`, appends to that file; with
 * `directory`, rotates files by size (`maxFileBytes`) and age (`maxFileAgeMs`).
 * @throws ValidationError when neither or both of `path` and `directory` are given.
 */
export function createJsonlSink(options: JsonlSinkOptions): PredictionSink {
  if ((options.path === undefined) === (options.directory === undefined)) {
    throw new ValidationError(
      'createJsonlSink needs exactly one of "path" (one file) or "directory" (rotated files).',
    );
  }
  const encode = (records: readonly PredictionRecord[]): string =>
    `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
  if (options.path !== undefined) {
    const path = options.path;
    let ready: Promise<unknown> | undefined;
    return {
      async write(records) {
        ready ??= mkdir(dirname(path), { recursive: true });
        await ready;
        await appendFile(path, encode(records));
      },
    };
  }
  const files = new RotatingFiles({ ...options, extension: 'jsonl' });
  return {
    async write(records) {
      const text = encode(records);
      const path = await files.current(Buffer.byteLength(text));
      await appendFile(path, text);
    },
  };
}
