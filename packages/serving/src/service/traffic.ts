/** FNV-1a, 32 bits: a stable, well-spread hash of a routing key. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * True when a request goes to the canary: `percent` of keys (sticky: the same key always gets
 * the same answer for the same percent), or `percent` of requests at random without a key.
 */
export function chooseCanary(percent: number, key: string | undefined): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  const point = key === undefined ? Math.random() * 100 : (hashKey(key) % 10_000) / 100;
  return point < percent;
}
