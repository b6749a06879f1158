/** Thrown when a chunk uses a feature the fast path does not decode: read it the general way. */
export class UnsupportedChunk extends Error {}

/** Corrupt bytes in a column chunk; the chunk decoder turns it into a ValidationError. */
export class Corrupt extends Error {}

/** Throws {@link Corrupt} with `detail`. */
export function corrupt(detail: string): never {
  throw new Corrupt(detail);
}
