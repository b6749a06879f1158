import { createReadStream } from 'node:fs';
import {
  type ColumnSchema,
  type ColumnType,
  CsvRecordReader,
  NotFoundError,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import { z } from 'zod';
import type { RawChunk } from '../table/normalize.js';

/** The options for reading CSV, one strict schema. */
export const csvOptionsSchema = z
  .object({
    /** Field separator. Default `','` (`'\t'` for `.tsv` files). */
    delimiter: z.string().optional(),
    /**
     * Accept quotes RFC 4180 does not allow (`ab"cd`, `"x"y`) as literal text. Default false: such
     * input is refused with its line and column.
     */
    relaxQuotes: z.boolean().optional(),
    /** Rows per chunk handed to the writer. Default 65536. */
    chunkRows: z.number().int().positive().optional(),
  })
  .strict();

/** Options for reading CSV. */
export type CsvOptions = z.input<typeof csvOptionsSchema>;

/**
 * Streams a CSV file (RFC 4180, strictly by default: quoted fields, doubled quotes, CRLF or LF) as
 * chunks of string columns, through core's {@link CsvRecordReader}. The first record is the
 * header. An empty unquoted field is null; `""` is the empty string.
 * @throws ValidationError for a ragged row, a stray quote or an unterminated quote, naming the
 * line (and column); NotFoundError when the file does not exist.
 */
export async function* readCsv(path: string, options: CsvOptions = {}): AsyncGenerator<RawChunk> {
  const delimiter = options.delimiter ?? (path.toLowerCase().endsWith('.tsv') ? '\t' : ',');
  const reader = new CsvRecordReader({
    delimiter,
    relaxQuotes: options.relaxQuotes ?? false,
    source: `CSV file ${path}`,
  });
  const chunkRows = options.chunkRows ?? 65536;
  let header: string[] | undefined;
  let columns: Array<Array<string | null>> = [];
  let rows = 0;
  const pendingChunks: RawChunk[] = [];
  const toChunk = (): RawChunk => {
    const chunk: RawChunk = {
      length: rows,
      columns: Object.fromEntries(header!.map((name, index) => [name, columns[index]!])),
    };
    columns = header!.map(() => []);
    rows = 0;
    return chunk;
  };
  const onRecord = (record: Array<string | null>, line: number) => {
    if (header === undefined) {
      header = record.map((name, index) => name ?? `column_${index + 1}`);
      const duplicate = header.find((name, index) => header!.indexOf(name) !== index);
      if (duplicate !== undefined) {
        throw new ValidationError(
          `CSV header of ${path} repeats column "${duplicate}"; rename one of them`,
        );
      }
      columns = header.map(() => []);
      return;
    }
    if (record.length !== header.length) {
      throw new ValidationError(
        `CSV line ${line} of ${path} has ${record.length} fields but the header has ${header.length}; fix the row or quote fields that contain "${delimiter}"`,
      );
    }
    for (let index = 0; index < record.length; index++) columns[index]!.push(record[index]!);
    rows++;
    if (rows >= chunkRows) pendingChunks.push(toChunk());
  };

  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const piece of stream as AsyncIterable<string>) {
      reader.push(piece, onRecord);
      while (pendingChunks.length > 0) yield pendingChunks.shift()!;
    }
    reader.end(onRecord);
    while (pendingChunks.length > 0) yield pendingChunks.shift()!;
    if (header === undefined)
      throw new ValidationError(`CSV file ${path} is empty; it needs a header line`);
    if (rows > 0) yield toChunk();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`CSV file ${path} does not exist; check the path`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    stream.destroy();
  }
}

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity|nan)$/i;
const BOOL = /^(true|false)$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Infers column types from CSV text values: int32, int64, float64, bool, timestamp (ISO 8601
 * dates) or string. Every column is nullable, as later chunks may hold empty fields.
 */
export function inferCsvSchema(chunk: RawChunk): TableSchema {
  const columns: ColumnSchema[] = [];
  for (const [name, values] of Object.entries(chunk.columns)) {
    let int = true;
    let int32 = true;
    let float = true;
    let bool = true;
    let date = true;
    let seen = 0;
    for (let index = 0; index < values.length; index++) {
      const value = values[index] as string | null;
      if (value === null) continue;
      const text = value.trim();
      seen++;
      if (int && !INT.test(text)) int = false;
      if (int && int32) {
        const number = Number(text);
        if (number < -(2 ** 31) || number > 2 ** 31 - 1) int32 = false;
      }
      if (float && !FLOAT.test(text)) float = false;
      if (bool && !BOOL.test(text)) bool = false;
      if (date && !(ISO_DATE.test(text) && !Number.isNaN(Date.parse(text)))) date = false;
      if (!int && !float && !bool && !date) break;
    }
    let type: ColumnType = 'string';
    if (seen === 0) type = 'string';
    else if (int) type = int32 ? 'int32' : 'int64';
    else if (float) type = 'float64';
    else if (bool) type = 'bool';
    else if (date) type = 'timestamp';
    columns.push({ name, type, nullable: true });
  }
  return { columns };
}
