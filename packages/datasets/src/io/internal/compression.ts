// The writer's compression policy: which codec compresses a page, and whether a page is worth
// compressing at all.
import * as zlib from 'node:zlib';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { ValidationError } from '@mlinfra/core';
import { snappyCompressInto, snappyMaxCompressedLength } from '../snappy.js';
import { CompressionCodec } from './parquet-format.js';

/** Compression codecs the writer supports. `zstd` needs Node 22.15 or later. */
export type ParquetCodec = 'snappy' | 'gzip' | 'brotli' | 'zstd' | 'uncompressed';

export type Compress = (input: Uint8Array) => Uint8Array;

let snappyScratch = new Uint8Array(0);

function snappy(input: Uint8Array): Uint8Array {
  const bound = snappyMaxCompressedLength(input.length);
  if (snappyScratch.length < bound) snappyScratch = new Uint8Array(Math.max(bound, 1 << 20));
  const written = snappyCompressInto(input, snappyScratch);
  return snappyScratch.subarray(0, written);
}

export function codecFor(codec: ParquetCodec): { id: number; compress?: Compress } {
  switch (codec) {
    case 'snappy':
      return { id: CompressionCodec.SNAPPY, compress: snappy };
    case 'uncompressed':
      return { id: CompressionCodec.UNCOMPRESSED };
    case 'gzip':
      return { id: CompressionCodec.GZIP, compress: (input) => gzipSync(input, { level: 6 }) };
    case 'brotli':
      return {
        id: CompressionCodec.BROTLI,
        compress: (input) =>
          brotliCompressSync(input, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }),
      };
    case 'zstd': {
      const zstd = (zlib as unknown as { zstdCompressSync?: (input: Uint8Array) => Uint8Array })
        .zstdCompressSync;
      if (zstd === undefined) {
        throw new ValidationError(
          `Writing zstd needs Node 22.15 or later (this is ${process.version}); use codec 'snappy', 'gzip' or 'brotli'`,
        );
      }
      return { id: CompressionCodec.ZSTD, compress: (input) => zstd(input) };
    }
  }
}

/** Bytes of a large page compressed first, to judge whether the rest is worth compressing. */
const PROBE_BYTES = 64 << 10;

/**
 * Whether a page is worth compressing: pages under 256 KiB always are tried; larger ones only
 * when their first 64 KiB shrink by at least 15% (random floats do not, and compressing them
 * costs time for nothing).
 */
export function worthCompressing(compress: Compress, page: Uint8Array): boolean {
  if (page.length < 4 * PROBE_BYTES) return true;
  return compress(page.subarray(0, PROBE_BYTES)).length <= PROBE_BYTES * 0.85;
}
