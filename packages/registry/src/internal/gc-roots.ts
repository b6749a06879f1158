import type { Digest, Store } from '@mlinfra/core';

/** The ref that keeps an artifact reachable for `store.gc()`: `registry/artifacts/<hex>`. */
export function artifactRef(digest: Digest): string {
  return `registry/artifacts/${digest.slice('sha256:'.length)}`;
}

// Artifact refs this process has seen set, per store: the registry never deletes them, so a
// second registration of the same artifact costs no ref read.
const knownRefs = new WeakMap<Store, Set<string>>();

/**
 * Makes `digest` a gc root before any row names it: `store.gc()` keeps every blob a ref's value
 * names, so a registered artifact is never collected (the project's gc rule: refs are the only
 * roots). Idempotent; one ref per artifact, however many versions share it. Returns whether
 * this call created the ref.
 */
export async function keepReachable(store: Store, digest: Digest): Promise<boolean> {
  let known = knownRefs.get(store);
  if (known === undefined) {
    known = new Set();
    knownRefs.set(store, known);
  }
  if (known.has(digest)) return false;
  const name = artifactRef(digest);
  let created = false;
  if ((await store.refs.get(name)) !== digest) {
    await store.refs.set(name, digest);
    created = true;
  }
  known.add(digest);
  return created;
}

/**
 * Removes a ref {@link keepReachable} just created for a digest the store turned out not to hold.
 * Another process may have stored those bytes and relied on this ref meanwhile (it saw the ref
 * and skipped writing its own), so the ref comes back when the blob exists after the removal.
 */
export async function forgetReachable(store: Store, digest: Digest): Promise<void> {
  knownRefs.get(store)?.delete(digest);
  const name = artifactRef(digest);
  const removed = await store.refs.delete(name, { expected: digest }).catch(() => false);
  if (removed && (await store.has(digest))) await store.refs.set(name, digest);
}
