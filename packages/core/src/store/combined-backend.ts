import type { BlobWriter, StoreBackend } from './backend.js';

/** The blob half of a {@link StoreBackend}: content-addressed bytes. */
export type BlobBackend = Omit<StoreBackend, 'getRef' | 'compareAndSetRef' | 'listRefs'>;

/** The ref half of a {@link StoreBackend}: small named values with compare-and-set. */
export type RefBackend = Pick<StoreBackend, 'getRef' | 'compareAndSetRef' | 'listRefs'> & {
  /** Where the refs live, with any password redacted. */
  readonly location: string;
  /**
   * Optional: runs `run` holding a lock on blob `key` that every machine sharing the refs sees:
   * shared for writes (commit, touch), exclusive for gc's delete. It makes "check the date, then
   * delete" atomic against a concurrent write on blob stores that cannot delete conditionally.
   */
  withBlobLock?<T>(key: string, exclusive: boolean, run: () => Promise<T>): Promise<T>;
};

/**
 * A {@link StoreBackend} whose blobs live in one place and refs in another, such as blobs in
 * S3 and refs in PostgreSQL. Its `location` names both. When the refs offer `withBlobLock`,
 * every blob commit and touch holds it shared and gc's delete holds it exclusive, so gc never
 * deletes a blob that another machine is writing again at that moment.
 */
export function combineBackends(blobs: BlobBackend, refs: RefBackend): StoreBackend {
  const lock = <T>(key: string, exclusive: boolean, run: () => Promise<T>): Promise<T> =>
    refs.withBlobLock === undefined ? run() : refs.withBlobLock(key, exclusive, run);
  const locked = (writer: BlobWriter): BlobWriter => ({
    write: (chunk) => writer.write(chunk),
    commit: (key) => lock(key, false, () => writer.commit(key)),
    abort: () => writer.abort(),
  });
  const backend: StoreBackend = {
    location: `${blobs.location} (refs in ${refs.location})`,
    createWriter: async () => locked(await blobs.createWriter()),
    openRead: (key, options) => blobs.openRead(key, options),
    stat: (key) => blobs.stat(key),
    touch: (key) => lock(key, false, () => blobs.touch(key)),
    list: () => blobs.list(),
    delete: (key, options) =>
      options?.olderThan === undefined
        ? blobs.delete(key, options)
        : lock(key, true, () => blobs.delete(key, options)),
    removeTemporary: (olderThan) => blobs.removeTemporary(olderThan),
    getRef: (name) => refs.getRef(name),
    compareAndSetRef: (name, value, expected) => refs.compareAndSetRef(name, value, expected),
    listRefs: (prefix, onProblem) => refs.listRefs(prefix, onProblem),
  };
  const { adoptFile, writeFromFile, copyTo } = blobs;
  if (writeFromFile !== undefined) {
    backend.writeFromFile = async (path) => locked(await writeFromFile.call(blobs, path));
  }
  if (copyTo !== undefined) backend.copyTo = (key, path) => copyTo.call(blobs, key, path);
  if (adoptFile !== undefined) {
    backend.adoptFile = (path, key) => lock(key, false, () => adoptFile.call(blobs, path, key));
  }
  return backend;
}
