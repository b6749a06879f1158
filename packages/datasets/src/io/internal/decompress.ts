// Page decompression for the reader: every codec Parquet writers use, with the sizes the page
// header declares checked before anything is allocated.
import * as zlib from 'node:zlib';
import type { ColumnMetaData } from 'hyparquet';
import { compressors as decompressors } from 'hyparquet-compressors';
import { snappyUncompress } from '../snappy.js';
import { corrupt, UnsupportedChunk } from './corrupt.js';

export type Codec = ColumnMetaData['codec'];

const zstdDecompressSync = (
  zlib as unknown as {
    zstdDecompressSync?: (input: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;
  }
).zstdDecompressSync;

/** Snappy pages up to this size decode in WebAssembly (hysnappy), larger ones in snappy.ts. */
const WASM_SNAPPY_MAX_BYTES = 8 << 20;

/** The uncompressed length a raw snappy block declares (its varint preamble). */
function snappyLength(input: Uint8Array): number {
  let length = 0;
  for (let index = 0; index < 5; index++) {
    if (index >= input.length) corrupt('a snappy page is truncated');
    const byte = input[index]!;
    length += (byte & 0x7f) * 2 ** (7 * index);
    if ((byte & 0x80) === 0) return length;
  }
  return corrupt('a snappy length preamble is longer than 32 bits');
}

/** hyparquet-compressors' decoder for `codec`. */
function external(
  codec: 'SNAPPY' | 'ZSTD' | 'LZ4' | 'LZ4_RAW',
): (input: Uint8Array, size: number) => Uint8Array {
  const decoder = decompressors[codec];
  if (decoder === undefined) throw new UnsupportedChunk(`codec ${codec}`);
  return decoder;
}

export function decompress(codec: Codec, input: Uint8Array, size: number): Uint8Array {
  let output: Uint8Array;
  switch (codec) {
    case 'UNCOMPRESSED':
      output = input;
      break;
    case 'SNAPPY': {
      // hysnappy (WebAssembly, bundled with hyparquet-compressors) is the fastest decoder here
      // (1.6x snappy.ts on DuckDB's pages, copies included); it sizes its output from the
      // block's own length preamble, so check that first.
      const declared = snappyLength(input);
      if (declared !== size)
        corrupt(`a snappy page declares ${declared} bytes, its header says ${size}`);
      // A snappy element expands at most 64 / 3 times: a larger claim is corrupt, not allocated.
      if (size > input.length * 22 + 64)
        corrupt(`a snappy page of ${input.length} bytes cannot hold ${size} bytes`);
      if (size === 0) output = new Uint8Array(0);
      else if (size <= WASM_SNAPPY_MAX_BYTES) output = external('SNAPPY')(input, size);
      else {
        // Larger pages in TypeScript: hysnappy's WebAssembly memory grows to the largest page it
        // has seen and never shrinks.
        output = new Uint8Array(size);
        snappyUncompress(input, output);
      }
      break;
    }
    case 'GZIP':
      output = zlib.gunzipSync(input, { maxOutputLength: Math.max(1, size) });
      break;
    case 'BROTLI':
      output = zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(1, size) });
      break;
    case 'ZSTD':
      output =
        zstdDecompressSync === undefined
          ? external('ZSTD')(input, size)
          : zstdDecompressSync(input, { maxOutputLength: Math.max(1, size) });
      break;
    case 'LZ4':
      output = external('LZ4')(input, size);
      break;
    case 'LZ4_RAW':
      output = external('LZ4_RAW')(input, size);
      break;
    default:
      throw new UnsupportedChunk(`codec ${codec}`);
  }
  if (output.length !== size)
    corrupt(`a page decompressed to ${output.length} bytes, its header says ${size}`);
  return output;
}
