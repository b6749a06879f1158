// A writer that follows the gc rule: pin, put the data and a manifest naming its parent, set the
// head ref, release; then read the whole history back, which fails if gc lost any blob of it.
import { expect } from 'vitest';
import type { Store } from '../store.js';

export async function commitAndCheckHistory(store: Store, commit: number): Promise<void> {
  const head = await store.refs.get('head');
  await using pin = await store.pin();
  const data = await store.put(`rows of commit ${commit}`, { pin });
  const manifest = await store.putJson({ parent: head ?? null, data: data.digest }, { pin });
  await store.refs.set('head', manifest.digest, { expected: head ?? null });
  await pin.release();
  let cursor: string | null = manifest.digest;
  let depth = 0;
  while (cursor !== null) {
    const read: { parent: string | null; data: string } = await store.readJson(cursor);
    expect(new TextDecoder().decode(await store.read(read.data))).toBe(
      `rows of commit ${commit - depth}`,
    );
    cursor = read.parent;
    depth++;
  }
  expect(depth).toBe(commit + 1);
}
