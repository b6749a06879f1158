// The general read path's values: hyparquet's parsers set to produce what the fast path does,
// and the conversion of hyparquet's decoded arrays to canonical ColumnData.
import type { ColumnSchema } from '@mlinfra/core';
import type { AsyncBuffer } from 'hyparquet';
import { type CellValue, type ColumnData, numericArrayFor } from '../../table/column-chunk.js';

const jsonText = new TextDecoder();

/** Timestamps decode to epoch milliseconds (numbers), not Date objects; JSON stays text. */
export const PARSERS = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  timestampFromMicroseconds: (micros: bigint) => Number(micros) / 1000,
  // Whole milliseconds (floored) and the rest apart: epoch nanoseconds exceed 2^53.
  timestampFromNanoseconds: (nanos: bigint) => {
    const rest = ((nanos % 1000000n) + 1000000n) % 1000000n;
    return Number((nanos - rest) / 1000000n) + Number(rest) / 1e6;
  },
  dateFromDays: (days: number) => days * 86400000,
  // JSON columns are string columns: keep the text (hyparquet would parse it into objects).
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && jsonText.decode(bytes),
};

/** hyparquet's AsyncBuffer over bytes in memory. */
export function bufferOf(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start: number, end?: number) =>
      bytes.buffer.slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ) as ArrayBuffer,
  };
}

/**
 * Copies a plain array of numbers (what hyparquet decodes for an optional column) into a typed
 * array in one pass, or returns undefined at the first value that is not a number (a null, a
 * bigint): the general path handles those.
 */
function numbersInto<T extends Float64Array | Float32Array | Int32Array>(
  Typed: new (length: number) => T,
  values: unknown[],
): T | undefined {
  const out = new Typed(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value !== 'number') return undefined;
    out[index] = value;
  }
  return out;
}

export function canonical(column: ColumnSchema, values: ArrayLike<unknown>): ColumnData {
  // Optional columns decode to plain arrays; without nulls they become typed arrays.
  const plain = Array.isArray(values) ? (values as unknown[]) : undefined;
  if (plain !== undefined && plain.length > 0) {
    const Typed = numericArrayFor(column.type);
    const typed =
      Typed === undefined ? undefined : numbersInto<Float64Array>(Typed as never, plain);
    if (typed !== undefined) return typed as ColumnData;
  }
  const noNulls = plain !== undefined && !plain.includes(null) && !plain.includes(undefined);
  switch (column.type) {
    case 'float64':
    case 'float32':
    case 'int32': {
      const Typed = numericArrayFor(column.type)!;
      if (values instanceof Typed) return values as ColumnData;
      if (ArrayBuffer.isView(values) || noNulls) {
        if (plain !== undefined && typeof plain[0] === 'bigint')
          return Typed.from((plain as bigint[]).map(Number)) as ColumnData;
        return Typed.from(values as ArrayLike<number>) as ColumnData;
      }
      const out = new Array<CellValue>(values.length);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        out[index] =
          value === null || value === undefined
            ? null
            : typeof value === 'number'
              ? value
              : Number(value);
      }
      return out;
    }
    case 'int64': {
      if (values instanceof BigInt64Array) return values;
      if (noNulls && typeof plain![0] === 'bigint')
        return BigInt64Array.from(plain as bigint[], (value) => BigInt.asIntN(64, value));
      const out = new Array<CellValue>(values.length);
      let nulls = false;
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        if (value === null || value === undefined) {
          out[index] = null;
          nulls = true;
        } else
          out[index] =
            typeof value === 'bigint'
              ? BigInt.asIntN(64, value)
              : BigInt(Math.trunc(Number(value)));
      }
      return nulls ? out : BigInt64Array.from(out as bigint[]);
    }
    case 'timestamp': {
      if (values instanceof Float64Array) return values;
      if (noNulls && typeof plain![0] === 'number') return Float64Array.from(plain as number[]);
      const out = new Float64Array(values.length);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        out[index] =
          value === null || value === undefined
            ? Number.NaN
            : value instanceof Date
              ? value.getTime()
              : Number(value);
      }
      return out;
    }
    case 'string':
    case 'category': {
      if (
        Array.isArray(values) &&
        values.every((value) => value === null || typeof value === 'string')
      ) {
        return values as CellValue[];
      }
      return Array.from(values, (value) =>
        value === null || value === undefined
          ? null
          : value instanceof Uint8Array
            ? new TextDecoder().decode(value)
            : String(value),
      );
    }
    case 'bool': {
      const out = new Array<CellValue>(values.length);
      for (let index = 0; index < values.length; index++) {
        const value = values[index];
        out[index] = value === null || value === undefined ? null : Boolean(value);
      }
      return out;
    }
  }
}
