// Reading a Parquet file's bytes: its framing checked first, positioned reads that share one
// file handle, and neighbouring column chunks merged into one read.
import { type FileHandle, open, stat } from 'node:fs/promises';
import { ValidationError } from '@mlinfra/core';
import type { AsyncBuffer } from 'hyparquet';

/** The 4 bytes at both ends of a Parquet file, as text. */
const MAGIC = 'PAR1';

/**
 * Checks what every Parquet file has before anything is decoded: `PAR1` at both ends and a footer
 * that fits in the file, so a text file, an empty file or a file cut short is named as not valid
 * Parquet instead of failing deep inside the decoder.
 */
export async function checkFraming(buffer: AsyncBuffer, label: string): Promise<void> {
  const size = buffer.byteLength;
  const invalid = (why: string) =>
    new ValidationError(`${label} is not a valid Parquet file: ${why}`);
  if (size < 12) {
    throw invalid(
      size === 0
        ? 'it is empty'
        : `it has ${size} bytes, fewer than the 12 of a Parquet header and footer`,
    );
  }
  const head = new Uint8Array(await buffer.slice(0, 4));
  const tail = new Uint8Array(await buffer.slice(size - 8, size));
  const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);
  if (text(head) !== MAGIC) {
    throw invalid(
      `it does not start with "PAR1" (it starts with ${JSON.stringify(text(head))}); is it CSV or another format?`,
    );
  }
  if (text(tail.subarray(4)) !== MAGIC) {
    throw invalid(
      'it does not end with "PAR1"; the file is cut short or still being written. Copy it again',
    );
  }
  const footer = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footer === 0 || footer > size - 12) {
    throw invalid(
      `its footer says ${footer} bytes, but the file has room for ${size - 12}; the file is damaged or cut short`,
    );
  }
}

/**
 * An AsyncBuffer over a file: each slice is one positioned read (no stream, no concat). Slices in
 * flight at the same time share one file handle, closed when the last of them finishes, so a
 * source never holds a descriptor between reads.
 */
export async function fileBuffer(path: string): Promise<AsyncBuffer> {
  const { size } = await stat(path);
  let shared: Promise<FileHandle> | undefined;
  let users = 0;
  const release = async () => {
    users--;
    if (users > 0 || shared === undefined) return;
    const handle = shared;
    shared = undefined;
    await handle.then(
      (opened) => opened.close(),
      () => undefined,
    );
  };
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const from = Math.max(0, start);
      const to = Math.min(size, end ?? size);
      if (to <= from) return new ArrayBuffer(0);
      // Not zero-filled, and never a slice of Node's shared pool: every byte is read below.
      const out = new Uint8Array(Buffer.allocUnsafeSlow(to - from).buffer, 0, to - from);
      users++;
      shared ??= open(path, 'r');
      try {
        const handle = await shared;
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await handle.read(out, done, out.length - done, from + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === out.length && out.buffer.byteLength === done
          ? (out.buffer as ArrayBuffer)
          : (out.buffer.slice(0, done) as ArrayBuffer);
      } finally {
        await release();
      }
    },
  };
}

/** Reads chunks `[start, end)` of a file, merging neighbours (gaps under 1 MiB) into one read. */
export async function readRanges(
  buffer: AsyncBuffer,
  ranges: readonly { start: number; end: number }[],
): Promise<Uint8Array[]> {
  const order = ranges.map((_, index) => index).sort((a, b) => ranges[a]!.start - ranges[b]!.start);
  const out = new Array<Uint8Array>(ranges.length);
  const reads: Promise<void>[] = [];
  let cursor = 0;
  while (cursor < order.length) {
    const first = ranges[order[cursor]!]!;
    let end = first.end;
    let last = cursor;
    while (last + 1 < order.length && ranges[order[last + 1]!]!.start - end < 1 << 20) {
      last++;
      end = Math.max(end, ranges[order[last]!]!.end);
    }
    const members = order.slice(cursor, last + 1);
    const start = first.start;
    reads.push(
      Promise.resolve(buffer.slice(start, end)).then((bytes) => {
        const view = new Uint8Array(bytes);
        for (const member of members) {
          const range = ranges[member]!;
          out[member] = view.subarray(range.start - start, range.end - start);
        }
      }),
    );
    cursor = last + 1;
  }
  await Promise.all(reads);
  return out;
}
