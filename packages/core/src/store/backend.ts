import type { IntegrityError } from '../errors/index.js';

/** A ref that exists but cannot be read (its stored record is corrupt). */
export interface RefProblem {
  /** The ref's name. */
  name: string;
  /** What is wrong, naming the ref and how to repair it. */
  error: IntegrityError;
}

/** Receives the refs a listing skipped because they could not be read. */
export type RefProblemHandler = (problem: RefProblem) => void;

/**
 * The storage backend interface. The store does hashing, validation and integrity checks; a
 * backend only moves bytes and arbitrates compare-and-set. The file-system backend is built in;
 * an S3 backend maps each method onto object operations (multipart upload then copy for
 * `commit`, `If-None-Match: *` conditional writes for ref versions).
 */
export interface StoreBackend {
  /** Human-readable location, such as a folder path or an `s3://` URL. */
  readonly location: string;
  /** Starts writing a new blob whose key is only known at the end. */
  createWriter(): Promise<BlobWriter>;
  /**
   * Optional: a writer that already holds a copy of the local file `path`, made by the backend's
   * fastest means (the file backend copies in the kernel; an S3 backend may upload the file in
   * parallel parts). The store hashes the file meanwhile, then commits or aborts the writer.
   * `write` is not called on it.
   */
  writeFromFile?(path: string): Promise<BlobWriter>;
  /**
   * Optional: copies the blob's bytes into a new local file `path` (which must not exist) by the
   * backend's fastest means; the store verifies the digest meanwhile and removes the file on a
   * mismatch. Returns false when the blob does not exist.
   */
  copyTo?(key: string, path: string): Promise<boolean>;
  /**
   * Streams a blob's bytes, or returns undefined when it does not exist. With `reuseBuffers` the
   * backend may hand out a chunk's memory again once the consumer asks for the next chunk.
   */
  openRead(
    key: string,
    options?: { reuseBuffers?: boolean },
  ): Promise<AsyncIterable<Uint8Array> | undefined>;
  /**
   * Size and time of last write of a blob, or undefined when it does not exist. The write time is
   * when the blob was last committed or touched (see {@link BlobWriter.commit} and `touch`).
   */
  stat(key: string): Promise<{ size: number; modifiedAt: Date } | undefined>;
  /**
   * Sets an existing blob's write time to now, so a running gc keeps it (gc never removes a blob
   * written after it started). Returns false when the blob does not exist. The file backend sets
   * the file's mtime; an S3 backend copies the object onto itself (CopyObject with
   * `MetadataDirective: REPLACE`), which refreshes `LastModified`.
   */
  touch(key: string): Promise<boolean>;
  /**
   * Optional: the first `bytes` bytes of a blob (fewer when it is shorter), unverified, or
   * undefined when it does not exist. gc peeks with it to skip binary blobs without reading them;
   * an S3 backend answers with a ranged GET.
   */
  readPrefix?(key: string, bytes: number): Promise<Uint8Array | undefined>;
  /** Every blob key, in no particular order. */
  list(): AsyncIterable<string>;
  /**
   * Deletes a blob. With `olderThan`, deletes it only if it was last written before that time,
   * atomically with respect to a concurrent write of the same key. Returns whether it deleted.
   */
  delete(key: string, options?: { olderThan?: Date }): Promise<boolean>;
  /** Removes abandoned temporary objects last written before `olderThan`; returns how many. */
  removeTemporary(olderThan: Date): Promise<number>;
  /**
   * A ref's current value, or undefined when it does not exist.
   * @throws IntegrityError naming the ref when its stored record is corrupt.
   */
  getRef(name: string): Promise<string | undefined>;
  /**
   * Sets (`value` a string) or deletes (`value` undefined) a ref. `expected`: undefined for an
   * unconditional write, null for "must not exist", a string for "must currently hold this".
   * Returns false (and changes nothing) when `expected` does not match. A corrupt record is
   * replaced by an unconditional write; with `expected` it throws IntegrityError.
   */
  compareAndSetRef(
    name: string,
    value: string | undefined,
    expected: string | null | undefined,
  ): Promise<boolean>;
  /**
   * Names of existing refs starting with `prefix`, sorted. A ref that cannot be read is left out
   * and passed to `onProblem`.
   */
  listRefs(prefix: string, onProblem?: RefProblemHandler): Promise<string[]>;
  /**
   * Optional: makes an existing file durable and visible as the blob `key` without copying it
   * (the file backend hard-links it), its write time set to now as in {@link BlobWriter.commit}. Returns false when it cannot (another file system); the
   * store then copies. The caller must not modify the file afterwards.
   */
  adoptFile?(path: string, key: string): Promise<boolean>;
}

/** A blob being written: chunks in order, then commit under a key, or abort. */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Makes the bytes durable and visible under `key`, atomically. The blob's write time becomes
   * the time of the commit (not of the first or last byte), also when `key` already existed:
   * putting bytes that already exist refreshes their write time, which gc relies on.
   */
  commit(key: string): Promise<void>;
  /** Discards the bytes. Safe to call after a failed write or commit. */
  abort(): Promise<void>;
}
