import type { Digest, Pin, Store } from '@mlinfra/core';

/** The ref that keeps an artifact reachable for `store.gc()`: `registry/artifacts/<hex>`. */
export function artifactRef(digest: Digest): string {
  return `registry/artifacts/${digest.slice('sha256:'.length)}`;
}

// Artifacts this process has rooted, per store, with their size once the store confirmed it.
// The registry never deletes these refs, so a second registration of the same artifact costs no
// ref read; blobs are immutable and the ref keeps gc off them, so a confirmed size stays true
// (only an explicit store.delete() of a registered artifact would make it stale).
const KNOWN_LIMIT = 100_000;
const knownRefs = new WeakMap<Store, Map<string, number | undefined>>();

function knownOf(store: Store): Map<string, number | undefined> {
  let known = knownRefs.get(store);
  if (known === undefined) {
    known = new Map();
    knownRefs.set(store, known);
  }
  return known;
}

/** Whether this process already rooted `digest` in `store` (its ref is set). */
export function isRooted(store: Store, digest: Digest): boolean {
  return knownRefs.get(store)?.has(digest) === true;
}

/**
 * Runs `work` with a pin of `store` (core's guard for writes in flight: gc keeps pinned blobs
 * whatever its grace), released afterwards; the ref `work` sets then keeps the blobs. A store
 * without pins (a custom Store) runs `work` without one.
 */
export async function withPin<T>(
  store: Store,
  work: (pin: Pin | undefined) => Promise<T>,
): Promise<T> {
  if (typeof store.pin !== 'function') return work(undefined);
  const pin = await store.pin();
  try {
    return await work(pin);
  } finally {
    await pin.release();
  }
}

/** The size the store confirmed for a rooted artifact earlier in this process, if any. */
export function confirmedSize(store: Store, digest: Digest): number | undefined {
  return knownRefs.get(store)?.get(digest);
}

/** Remembers the size the store gave for an artifact {@link keepReachable} rooted. */
export function confirm(store: Store, digest: Digest, size: number): void {
  const known = knownOf(store);
  if (known.has(digest)) known.set(digest, size);
}

/**
 * Makes `digest` a gc root before any row names it: `store.gc()` keeps every blob a ref's value
 * names, so a registered artifact is never collected (the project's gc rule: refs are the only
 * roots). Idempotent; one ref per artifact, however many versions share it. Returns whether
 * this call created the ref.
 */
export async function keepReachable(store: Store, digest: Digest): Promise<boolean> {
  const known = knownOf(store);
  if (known.has(digest)) return false;
  const name = artifactRef(digest);
  let created = false;
  if ((await store.refs.get(name)) !== digest) {
    await store.refs.set(name, digest);
    created = true;
  }
  if (known.size >= KNOWN_LIMIT) known.clear();
  known.set(digest, undefined);
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
