import type { StoreBackend } from './backend.js';

/** The blob half of a {@link StoreBackend}: content-addressed bytes. */
export type BlobBackend = Omit<StoreBackend, 'getRef' | 'compareAndSetRef' | 'listRefs'>;

/** The ref half of a {@link StoreBackend}: small named values with compare-and-set. */
export type RefBackend = Pick<StoreBackend, 'getRef' | 'compareAndSetRef' | 'listRefs'> & {
  /** Where the refs live, with any password redacted. */
  readonly location: string;
};

/**
 * A {@link StoreBackend} whose blobs live in one place and refs in another, such as blobs in
 * S3 and refs in PostgreSQL. Its `location` names both.
 */
export function combineBackends(blobs: BlobBackend, refs: RefBackend): StoreBackend {
  const backend: StoreBackend = {
    location: `${blobs.location} (refs in ${refs.location})`,
    createWriter: () => blobs.createWriter(),
    openRead: (key, options) => blobs.openRead(key, options),
    stat: (key) => blobs.stat(key),
    touch: (key) => blobs.touch(key),
    list: () => blobs.list(),
    delete: (key, options) => blobs.delete(key, options),
    removeTemporary: (olderThan) => blobs.removeTemporary(olderThan),
    getRef: (name) => refs.getRef(name),
    compareAndSetRef: (name, value, expected) => refs.compareAndSetRef(name, value, expected),
    listRefs: (prefix, onProblem) => refs.listRefs(prefix, onProblem),
  };
  const { adoptFile } = blobs;
  if (adoptFile !== undefined) backend.adoptFile = (path, key) => adoptFile.call(blobs, path, key);
  return backend;
}
