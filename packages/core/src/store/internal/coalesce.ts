/**
 * Gathers chunks into pieces of `pieceBytes` (the last one may be shorter), so a consumer that
 * hashes and writes pays per megabyte rather than per network packet. With `reuseBuffers`, three
 * buffers take turns, as in `readChunks`: a piece stays valid until the consumer has asked for
 * two more. Otherwise every piece is a fresh buffer.
 */
export async function* coalesce(
  chunks: AsyncIterable<Uint8Array>,
  pieceBytes: number,
  reuseBuffers: boolean,
): AsyncGenerator<Uint8Array> {
  const buffers = reuseBuffers ? [0, 1, 2].map(() => Buffer.allocUnsafe(pieceBytes)) : [];
  let turn = 0;
  const nextBuffer = () => (reuseBuffers ? buffers[turn++ % 3]! : Buffer.allocUnsafe(pieceBytes));
  let current = nextBuffer();
  let filled = 0;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(chunk.byteLength - offset, pieceBytes - filled);
      current.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === pieceBytes) {
        yield current;
        current = nextBuffer();
        filled = 0;
      }
    }
  }
  if (filled > 0) yield current.subarray(0, filled);
}
