import { createStore, isStore, type Store } from '@mlinfra/core';

/** Where one artifact lives: its store and its id (digest) in that store. */
export interface ArtifactLocation {
  store: Store;
  id: string;
}

/**
 * Finds the store of an artifact reference: `'sha256:...'` is in the default store (the
 * `store` option, else the source's store, else `createStore()`), and
 * `'<store folder>#sha256:...'` names an artifact in another store. Stores are opened once.
 */
export function createArtifactLocator(
  storeOption: Store | string | undefined,
): (artifact: string) => ArtifactLocation {
  let defaultStore: Store | undefined;
  const located = new Map<string, Store>();
  return (artifact) => {
    const hash = artifact.lastIndexOf('#');
    if (hash > 0) {
      const location = artifact.slice(0, hash);
      let store = located.get(location);
      if (store === undefined) {
        store = createStore(location);
        located.set(location, store);
      }
      return { store, id: artifact.slice(hash + 1) };
    }
    defaultStore ??= isStore(storeOption) ? storeOption : createStore(storeOption);
    return { store: defaultStore, id: artifact };
  };
}
