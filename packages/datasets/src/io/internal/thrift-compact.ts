// A minimal Thrift compact protocol, both directions: an encoder enough for Parquet's footer and
// page headers, and a struct reader for page headers. Fields are written in increasing id order
// by the caller; nested structs keep their own last-field-id as the protocol requires.
import { type Cursor, putVarint53, readByte, readVarint, readZigzag } from './byte-cursor.js';
import { corrupt } from './corrupt.js';

/** Compact protocol type ids. */
export const T = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  STRUCT: 12,
} as const;

const encoder = new TextEncoder();

/** Encodes a struct field by field (compact protocol). */
export class ThriftWriter {
  private bytes = new Uint8Array(256);
  private length = 0;
  private last = 0;
  private readonly stack: number[] = [];

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative integer up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    this.length = putVarint53(this.bytes, this.length, value);
  }

  /** Zigzag varint of a safe integer (i16, i32 or i64 values within 2^53). */
  private zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  private header(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.last = id;
  }

  i32(id: number, value: number): this {
    this.header(id, T.I32);
    this.zigzag(value);
    return this;
  }

  i64(id: number, value: number): this {
    this.header(id, T.I64);
    this.zigzag(value);
    return this;
  }

  bool(id: number, value: boolean): this {
    this.header(id, value ? T.TRUE : T.FALSE);
    return this;
  }

  binary(id: number, value: Uint8Array | string): this {
    this.header(id, T.BINARY);
    this.rawBinary(value);
    return this;
  }

  private rawBinary(value: Uint8Array | string): void {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Starts a struct field; end it with {@link end}. */
  struct(id: number): this {
    this.header(id, T.STRUCT);
    this.stack.push(this.last);
    this.last = 0;
    return this;
  }

  /** Ends the current struct (writes STOP). */
  end(): this {
    this.byte(0);
    this.last = this.stack.pop() ?? 0;
    return this;
  }

  private listHeader(id: number, type: number, size: number): void {
    this.header(id, T.LIST);
    if (size < 15) this.byte((size << 4) | type);
    else {
      this.byte(0xf0 | type);
      this.varint(size);
    }
  }

  listI32(id: number, values: readonly number[]): this {
    this.listHeader(id, T.I32, values.length);
    for (const value of values) this.zigzag(value);
    return this;
  }

  listBinary(id: number, values: readonly string[]): this {
    this.listHeader(id, T.BINARY, values.length);
    for (const value of values) this.rawBinary(value);
    return this;
  }

  /** A list of structs, each written by `write` between an implicit begin and STOP. */
  listStruct<V>(id: number, values: readonly V[], write: (value: V) => void): this {
    this.listHeader(id, T.STRUCT, values.length);
    for (const value of values) {
      this.stack.push(this.last);
      this.last = 0;
      write(value);
      this.end();
    }
    return this;
  }

  /** The encoded bytes of a top-level struct (STOP appended). */
  finish(): Uint8Array {
    this.byte(0);
    return this.bytes.slice(0, this.length);
  }
}

/** Skips one value of compact type `type`. */
function skipValue(cursor: Cursor, type: number, depth: number): void {
  if (depth > 16) corrupt('page header structs nest too deeply');
  switch (type) {
    case T.TRUE:
    case T.FALSE:
      return;
    case T.BYTE:
      readByte(cursor);
      return;
    case T.I16:
    case T.I32:
    case T.I64:
      readVarint(cursor);
      return;
    case T.DOUBLE:
      cursor.position += 8;
      if (cursor.position > cursor.end)
        corrupt('a page header runs past the end of the column chunk');
      return;
    case T.BINARY: {
      const length = readVarint(cursor);
      cursor.position += length;
      if (cursor.position > cursor.end)
        corrupt('a page header runs past the end of the column chunk');
      return;
    }
    case T.LIST:
    case T.SET: {
      const head = readByte(cursor);
      let size = head >> 4;
      if (size === 15) size = readVarint(cursor);
      const elementType = head & 0x0f;
      for (let index = 0; index < size; index++) {
        if (elementType === T.TRUE || elementType === T.FALSE) readByte(cursor);
        else skipValue(cursor, elementType, depth + 1);
      }
      return;
    }
    case T.STRUCT:
      readStruct(cursor, depth + 1, () => false);
      return;
    default:
      corrupt(`a page header has unknown thrift type ${type}`);
  }
}

/**
 * Reads a struct: calls `onField(id, type)` for each field, which reads the value and returns
 * true, or returns false to have it skipped.
 */
export function readStruct(
  cursor: Cursor,
  depth: number,
  onField: (id: number, type: number) => boolean,
): void {
  let id = 0;
  for (;;) {
    const head = readByte(cursor);
    const type = head & 0x0f;
    if (type === 0) return;
    const delta = head >> 4;
    id = delta === 0 ? readZigzag(cursor) : id + delta;
    if (!onField(id, type)) skipValue(cursor, type, depth);
  }
}

/** Reads an i32 field (also accepts i16 and byte). */
export function readI32Field(cursor: Cursor, type: number): number {
  if (type !== T.I32 && type !== T.I16 && type !== T.BYTE)
    corrupt(`a page header field has thrift type ${type}, not an integer`);
  return type === T.BYTE ? (readByte(cursor) << 24) >> 24 : readZigzag(cursor);
}
