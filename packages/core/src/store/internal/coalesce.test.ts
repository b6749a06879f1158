import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.js';

async function* from(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('coalesce', () => {
  it('yields the same bytes in full pieces and one shorter last piece', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 257 }),
        fc.boolean(),
        async (chunks, pieceBytes, reuse) => {
          const pieces: Uint8Array[] = [];
          // Copy each piece at once: with reuse, its memory is handed out again later.
          for await (const piece of coalesce(from(chunks), pieceBytes, reuse)) {
            pieces.push(Uint8Array.from(piece));
          }
          expect(Buffer.concat(pieces)).toEqual(Buffer.concat(chunks));
          for (const piece of pieces.slice(0, -1)) expect(piece.byteLength).toBe(pieceBytes);
          expect(pieces.at(-1)?.byteLength ?? 1).toBeGreaterThan(0);
        },
      ),
    );
  });
});
