// The Parquet file writer: buffers rows into row groups, has each column chunk encoded
// (internal/column-encoder.ts), compressed when worth it (internal/compression.ts), and written
// with its page headers, then the footer (internal/parquet-footer.ts).
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsync, openSync, writeSync } from 'node:fs';
import type { ColumnSchema, TableSchema } from '@mlinfra/core';
import {
  type ColumnChunk,
  type ColumnData,
  concatChunks,
  sliceChunk,
} from '../table/column-chunk.js';
import { ColumnEncoder } from './internal/column-encoder.js';
import {
  type Compress,
  codecFor,
  type ParquetCodec,
  worthCompressing,
} from './internal/compression.js';
import { writePageHeader } from './internal/page-header.js';
import { type ChunkMeta, type RowGroupMeta, writeFooter } from './internal/parquet-footer.js';
import { CompressionCodec, Encoding, MAGIC } from './internal/parquet-format.js';

export type { ParquetCodec } from './internal/compression.js';
export { SCHEMA_KEY } from './internal/parquet-format.js';

/** Options of {@link ParquetFileWriter}. */
export interface ParquetFileWriterOptions {
  /** Compression codec. Default `'snappy'`. */
  codec?: ParquetCodec;
  /** Rows per row group. Default 65536. */
  rowGroupRows?: number;
}

/**
 * Writes normalised column chunks to a Parquet file: PLAIN numbers, bit-packed booleans,
 * dictionary-encoded strings (PLAIN past 65,536 entries or 1 MiB), one data page (v1) per column
 * chunk, min/max/null-count statistics, and the table schema in the file metadata so mlinfra
 * reads back exact types. A column chunk that the codec would not shrink (or, for pages over
 * 256 KiB, whose first 64 KiB shrink by less than 15%) is stored uncompressed (Parquet records
 * the codec per chunk). The SHA-256 of the bytes written is kept as they go.
 */
export class ParquetFileWriter {
  private readonly descriptor: number;
  private readonly rowGroupRows: number;
  private readonly codec: { id: number; compress?: Compress };
  private readonly encoder = new ColumnEncoder();
  private readonly hash: Hash = createHash('sha256');
  private readonly groups: RowGroupMeta[] = [];
  private pending: { chunk: ColumnChunk; start: number; end: number }[] = [];
  private pendingRows = 0;
  private offset = 0;
  private closed = false;
  /** Rows written so far. */
  rows = 0;
  /** SHA-256 (hex) of the whole file, once finished. */
  sha256: string | undefined;

  constructor(
    readonly path: string,
    readonly schema: TableSchema,
    options: ParquetFileWriterOptions = {},
  ) {
    this.codec = codecFor(options.codec ?? 'snappy');
    this.rowGroupRows = options.rowGroupRows ?? 65536;
    this.descriptor = openSync(path, 'w');
    this.out(MAGIC);
  }

  private out(bytes: Uint8Array): void {
    let written = 0;
    while (written < bytes.length)
      written += writeSync(this.descriptor, bytes, written, bytes.length - written);
    this.hash.update(bytes);
    this.offset += bytes.length;
  }

  /**
   * Buffers rows `[start, end)` of a chunk (default all; no copy is made) and writes full row
   * groups. The chunk must not change until the writer has written it (the next row group
   * boundary or {@link finish}).
   */
  write(chunk: ColumnChunk, start = 0, end = chunk.length): void {
    if (end <= start) return;
    this.pending.push({ chunk, start, end });
    this.pendingRows += end - start;
    if (this.pendingRows >= this.rowGroupRows) this.flushGroups();
  }

  private flushGroups(): void {
    if (this.pendingRows === 0) return;
    // Everything buffered goes out at once (the last row group may be short): no rows kept back.
    const [only] = this.pending;
    const { chunk, start, end } =
      this.pending.length === 1 && only !== undefined
        ? only
        : {
            chunk: concatChunks(
              this.schema,
              this.pending.map((part) => sliceChunk(part.chunk, part.start, part.end)),
            ),
            start: 0,
            end: this.pendingRows,
          };
    this.pending = [];
    this.pendingRows = 0;
    for (let from = start; from < end; from += this.rowGroupRows) {
      this.writeRowGroup(chunk, from, Math.min(end, from + this.rowGroupRows));
    }
  }

  private writeRowGroup(chunk: ColumnChunk, start: number, end: number): void {
    const rows = end - start;
    const group: RowGroupMeta = { rows, offset: this.offset, columns: [] };
    for (const column of this.schema.columns) {
      const all = chunk.columns[column.name]!;
      // Typed arrays become views; plain arrays are read in place from `start`.
      const values = (ArrayBuffer.isView(all) ? all.subarray(start, end) : all) as ColumnData;
      const from = ArrayBuffer.isView(all) ? 0 : start;
      group.columns.push(this.writeColumn(column, values, from, rows));
    }
    this.groups.push(group);
    this.rows += rows;
  }

  private writeColumn(
    column: ColumnSchema,
    values: ColumnData,
    from: number,
    rows: number,
  ): ChunkMeta {
    const encoded = this.encoder.encode(column, values, from, rows);
    const pages: { header: Uint8Array; body: Uint8Array; size: number }[] = [];
    // Compress every page; keep the compressed bytes only when the chunk as a whole shrinks.
    const bodies = [encoded.dictionary?.bytes, encoded.data].filter(
      (body): body is Uint8Array => body !== undefined,
    );
    const compress = this.codec.compress;
    let compressed: Uint8Array[] | undefined;
    if (compress !== undefined && worthCompressing(compress, encoded.data)) {
      // Only the last page may stay in the codec's scratch memory.
      compressed = bodies.map((body, index) =>
        index < bodies.length - 1 ? compress(body).slice() : compress(body),
      );
      const before = bodies.reduce((sum, body) => sum + body.length, 0);
      const after = compressed.reduce((sum, body) => sum + body.length, 0);
      if (after >= before) compressed = undefined;
    }
    const codec = compressed === undefined ? CompressionCodec.UNCOMPRESSED : this.codec.id;
    bodies.forEach((body, index) => {
      const isDictionary = encoded.dictionary !== undefined && index === 0;
      const stored = compressed?.[index] ?? body;
      const header = writePageHeader(
        isDictionary
          ? { kind: 'dictionary', entries: encoded.dictionary!.count }
          : { kind: 'data', rows, encoding: encoded.encoding },
        body.length,
        stored,
      );
      pages.push({ header, body: stored, size: body.length });
    });
    const meta: ChunkMeta = {
      column,
      offset: this.offset,
      dataOffset: this.offset,
      codec,
      encodings:
        encoded.encoding === Encoding.RLE_DICTIONARY
          ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY]
          : encoded.encoding === Encoding.DELTA_BINARY_PACKED
            ? [Encoding.RLE, Encoding.DELTA_BINARY_PACKED]
            : [Encoding.PLAIN, Encoding.RLE],
      uncompressed: 0,
      compressed: 0,
      rows,
      nulls: encoded.nulls,
      ...(encoded.min === undefined ? {} : { min: encoded.min.slice(), max: encoded.max!.slice() }),
    };
    pages.forEach((page, index) => {
      if (encoded.dictionary !== undefined && index === 0) meta.dictionaryOffset = this.offset;
      else meta.dataOffset = this.offset;
      meta.uncompressed += page.header.length + page.size;
      meta.compressed += page.header.length + page.body.length;
      this.out(page.header);
      this.out(page.body);
    });
    return meta;
  }

  /** Writes the remaining rows and the footer, and closes the file. */
  finish(): void {
    try {
      this.writeFooter();
    } finally {
      this.close();
    }
  }

  /**
   * Like {@link finish}, then flushes the file to disk (fsync) on libuv's thread pool before
   * closing it, so the caller can go on encoding while the disk works.
   */
  async finishDurable(): Promise<void> {
    try {
      this.writeFooter();
      await new Promise<void>((resolve, reject) =>
        fsync(this.descriptor, (error) => (error === null ? resolve() : reject(error))),
      );
    } finally {
      this.close();
    }
  }

  private writeFooter(): void {
    this.flushGroups();
    const footer = writeFooter(this.schema, this.rows, this.groups);
    const tail = new Uint8Array(footer.length + 8);
    tail.set(footer, 0);
    new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
    tail.set(MAGIC, footer.length + 4);
    this.out(tail);
    this.sha256 = this.hash.digest('hex');
  }

  /** Closes the file without finishing it (after an error). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.descriptor);
  }
}
