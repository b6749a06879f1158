import type { FileHandle } from 'node:fs/promises';

/** Chunk size of file reads: large enough that syscalls and hashing calls are cheap. */
export const FILE_CHUNK_BYTES = 4 << 20;
const MIN_CHUNK_BYTES = 64 << 10;
const FRESH_CHUNK_BYTES = 1 << 20;

/**
 * Reads a file handle front to back, reading the next chunk while the consumer works on the
 * current one, and closes it at the end.
 *
 * With `reuseBuffers`, three buffers take turns: a chunk stays valid until the consumer has asked
 * for two more (so it may write chunk n while it pulls chunk n + 1), which suits hashing and
 * writing but not a consumer that keeps chunks. Without it every chunk is a fresh buffer.
 */
export async function* readChunks(
  handle: FileHandle,
  reuseBuffers: boolean,
  chunkBytes = FILE_CHUNK_BYTES,
): AsyncGenerator<Uint8Array> {
  let pending: Promise<unknown> | undefined;
  try {
    // Small files (most blobs are manifests and metadata) get small buffers.
    const { size } = await handle.stat();
    // Fresh buffers stay at 1 MiB: larger ones go through mmap and cost a page fault per page
    // every time (measured 3-8x slower for 4 MiB on this machine's kind).
    const largest = reuseBuffers ? chunkBytes : Math.min(chunkBytes, FRESH_CHUNK_BYTES);
    const bytes = Math.min(largest, Math.max(MIN_CHUNK_BYTES, size + 1));
    const buffers = reuseBuffers ? [0, 1, 2].map(() => Buffer.allocUnsafe(bytes)) : [];
    const bufferFor = (index: number) =>
      reuseBuffers ? buffers[index % 3]! : Buffer.allocUnsafe(bytes);
    let index = 0;
    let current = bufferFor(index);
    let reading = handle.read(current, 0, bytes, null);
    pending = reading;
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) return;
      const chunk = current.subarray(0, bytesRead);
      index++;
      current = bufferFor(index);
      reading = handle.read(current, 0, bytes, null);
      pending = reading;
      yield chunk;
    }
  } finally {
    // A consumer that stops early leaves one read in flight; let it settle before closing.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}

/** Writes the whole chunk at the file's current position (a write may take only part of it). */
export async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
  }
}
