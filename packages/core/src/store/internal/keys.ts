import { type Digest, isDigest } from '../names.js';

/** The backend key of a blob: `sha256/<hex>`. */
export function keyOf(digest: Digest): string {
  return `sha256/${digest.slice('sha256:'.length)}`;
}

/** The digest a backend key stands for, or undefined for keys that are not blobs. */
export function digestOf(key: string): Digest | undefined {
  const candidate = `sha256:${key.slice('sha256/'.length)}`;
  return key.startsWith('sha256/') && isDigest(candidate) ? candidate : undefined;
}
