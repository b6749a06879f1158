import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseOptions } from '@mlinfra/core';
import { z } from 'zod';
import type { PredictionRecord, PredictionSink } from './prediction-log.js';
import { RotatingFiles, rotationShape } from './rotation.js';

const jsonlSinkSchema = z
  .strictObject({
    ...rotationShape,
    /**
     * One file that every record is appended to. Give either `path` or `directory` (rotated files
     * named `predictions-<time>-<n>.jsonl`).
     */
    path: z.string().min(1).optional(),
  })
  .refine((options) => (options.path === undefined) !== (options.directory === undefined), {
    message:
      'createJsonlSink needs exactly one of "path" (one file) or "directory" (rotated files)',
  });

/** Options of {@link createJsonlSink}. */
export type JsonlSinkOptions = z.input<typeof jsonlSinkSchema>;

/**
 * A sink that writes one JSON object per line. With `path`, appends to that file; with
 * `directory`, rotates files by size (`maxFileBytes`) and age (`maxFileAgeMs`).
 * @throws ValidationError on invalid options: neither or both of `path` and `directory`, an unknown key.
 */
export function createJsonlSink(input: JsonlSinkOptions): PredictionSink {
  const options = parseOptions(jsonlSinkSchema, input, 'createJsonlSink options');
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
