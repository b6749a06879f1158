import { createReadStream } from 'node:fs';
import {
  type ColumnSchema,
  type ColumnType,
  type TableSchema,
  ValidationError,
} from '@mlinfra/core';
import type { RawChunk } from '../table/normalize.js';

/** Options for reading CSV. */
export interface CsvOptions {
  /** Field separator. Default `','` (`'\t'` for `.tsv` files). */
  delimiter?: string;
  /** Rows per chunk handed to the writer. Default 65536. */
  chunkRows?: number;
}

/**
 * Streams a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF) as chunks of string
 * columns. The first record is the header. An empty unquoted field is null; `""` is the empty string.
 * @throws ValidationError for a ragged row or an unterminated quote, naming the line.
 */
export async function* readCsv(path: string, options: CsvOptions = {}): AsyncGenerator<RawChunk> {
  const delimiter = options.delimiter ?? (path.toLowerCase().endsWith('.tsv') ? '\t' : ',');
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n') {
    throw new ValidationError(
      `CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`,
    );
  }
  const chunkRows = options.chunkRows ?? 65536;
  const delimiterCode = delimiter.charCodeAt(0);
  let header: string[] | undefined;
  let columns: Array<Array<string | null>> = [];
  let rows = 0;
  let line = 1;
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let record: Array<string | null> = [];
  const pendingChunks: RawChunk[] = [];

  const endRecord = () => {
    if (record.length === 1 && record[0] === null && !quoted) {
      record = [];
      return; // blank line
    }
    if (header === undefined) {
      header = record.map((name, index) => name ?? `column_${index + 1}`);
      const duplicate = header.find((name, index) => header!.indexOf(name) !== index);
      if (duplicate !== undefined) {
        throw new ValidationError(
          `CSV header of ${path} repeats column "${duplicate}"; rename one of them`,
        );
      }
      columns = header.map(() => []);
    } else {
      if (record.length !== header.length) {
        throw new ValidationError(
          `CSV line ${line} of ${path} has ${record.length} fields but the header has ${header.length}; fix the row or quote fields that contain "${delimiter}"`,
        );
      }
      for (let index = 0; index < record.length; index++) columns[index]!.push(record[index]!);
      rows++;
      if (rows >= chunkRows) {
        pendingChunks.push(toChunk());
      }
    }
    record = [];
  };
  const toChunk = (): RawChunk => {
    const chunk: RawChunk = {
      length: rows,
      columns: Object.fromEntries(header!.map((name, index) => [name, columns[index]!])),
    };
    columns = header!.map(() => []);
    rows = 0;
    return chunk;
  };
  const endField = () => {
    record.push(field === '' && !quoted ? null : field);
    field = '';
    quoted = false;
  };

  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let carry = '';
  try {
    for await (const piece of stream as AsyncIterable<string>) {
      const text = carry + piece;
      carry = '';
      let start = 0;
      for (let index = 0; index < text.length; index++) {
        const char = text.charCodeAt(index);
        if (inQuotes) {
          if (char === 34) {
            if (index + 1 === text.length) {
              // Whether this quote is doubled depends on the next piece: decide then.
              field += text.slice(start, index);
              carry = '"';
              start = text.length;
              break;
            }
            field += text.slice(start, index);
            if (text.charCodeAt(index + 1) === 34) {
              field += '"';
              index++;
            } else inQuotes = false;
            start = index + 1;
          } else if (char === 10) line++;
          continue;
        }
        if (char === 34 && index === start && field === '' && !quoted) {
          inQuotes = true;
          quoted = true;
          start = index + 1;
          continue;
        }
        if (char === delimiterCode) {
          field += text.slice(start, index);
          endField();
          start = index + 1;
        } else if (char === 10) {
          field += text.slice(start, index);
          if (field.endsWith('\r')) field = field.slice(0, -1);
          endField();
          endRecord();
          line++;
          start = index + 1;
          while (pendingChunks.length > 0) yield pendingChunks.shift()!;
        }
      }
      if (start < text.length) field += text.slice(start);
    }
    if (carry === '"') inQuotes = false;
    if (inQuotes)
      throw new ValidationError(
        `CSV file ${path} ends inside a quoted field; close the quote that opens near line ${line}`,
      );
    if (field !== '' || record.length > 0 || quoted) {
      if (field.endsWith('\r')) field = field.slice(0, -1);
      endField();
      endRecord();
    }
    while (pendingChunks.length > 0) yield pendingChunks.shift()!;
    if (header === undefined)
      throw new ValidationError(`CSV file ${path} is empty; it needs a header line`);
    if (rows > 0 || header.length > 0) {
      if (rows > 0) yield toChunk();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ValidationError(`CSV file ${path} does not exist; check the path`, [], {
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
