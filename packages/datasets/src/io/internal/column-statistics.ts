// Min / max statistics of a column chunk in Parquet's little-endian byte form.
import type { ColumnSchema } from '@mlinfra/core';

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return a.length - b.length;
}

export function int32Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}

export function int64Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  const high = Math.floor(value / 4294967296);
  view.setUint32(0, value - high * 4294967296, true);
  view.setInt32(4, high, true);
  return bytes;
}

export type NumericValues = Float64Array | Float32Array | Int32Array | BigInt64Array;

/** A typed array over plain-encoded values (`bytes` must start at an aligned offset). */
export function typedView(column: ColumnSchema, bytes: Uint8Array, count: number): NumericValues {
  const Typed =
    column.type === 'float64'
      ? Float64Array
      : column.type === 'float32'
        ? Float32Array
        : column.type === 'int32'
          ? Int32Array
          : BigInt64Array;
  return new Typed(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
}

/** Min and max statistics of numeric values, little-endian (none when a float is NaN). */
export function numericBounds(values: NumericValues): { min?: Uint8Array; max?: Uint8Array } {
  const count = values.length;
  if (count === 0) return {};
  let minIndex = 0;
  let maxIndex = 0;
  if (values instanceof BigInt64Array) {
    for (let index = 1; index < count; index++) {
      if (values[index]! < values[minIndex]!) minIndex = index;
      if (values[index]! > values[maxIndex]!) maxIndex = index;
    }
  } else {
    let min = values[0]!;
    let max = min;
    for (let index = 0; index < count; index++) {
      const value = values[index]!;
      if (value < min) {
        min = value;
        minIndex = index;
      } else if (value > max) {
        max = value;
        maxIndex = index;
      } else if (Number.isNaN(value)) return {};
    }
  }
  const width = values.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, count * width);
  return {
    min: bytes.slice(minIndex * width, (minIndex + 1) * width),
    max: bytes.slice(maxIndex * width, (maxIndex + 1) * width),
  };
}
