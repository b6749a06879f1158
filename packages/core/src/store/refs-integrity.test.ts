import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../errors/index.js';
import type { RefProblem } from './backend.js';
import { createStore, type Store } from './store.js';

let root: string;
let store: Store;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mlinfra-refs-'));
  store = createStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function corrupt(name: string, text: string): Promise<void> {
  await writeFile(join(root, 'refs', ...name.split('/'), '=current'), text);
}

describe('corrupt refs', () => {
  for (const [kind, text] of [
    ['cut JSON', '{"token":"abc","val'],
    ['empty file', ''],
    ['JSON of the wrong shape', '{"value": 3}'],
    ['binary noise', '\u0000\u0001\u00ff'],
  ] as const) {
    it(`get() throws IntegrityError naming the ref (${kind})`, async () => {
      await store.refs.set('datasets/iris/branches/main', 'v1');
      await corrupt('datasets/iris/branches/main', text);
      const error = await store.refs.get('datasets/iris/branches/main').catch((e: unknown) => e);
      expect(IntegrityError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('"datasets/iris/branches/main"');
      expect((error as Error).message).toMatch(/refs\.set/);
    });
  }

  it('list() skips a corrupt ref, lists the others and reports the skipped one', async () => {
    await store.refs.set('a/one', '1');
    await store.refs.set('a/two', '2');
    await store.refs.set('a/three', '3');
    await corrupt('a/two', 'garbage');
    expect(await store.refs.list('a/')).toEqual(['a/one', 'a/three']);
    const problems: RefProblem[] = [];
    expect(await store.refs.list('', { onProblem: (problem) => problems.push(problem) })).toEqual([
      'a/one',
      'a/three',
    ]);
    expect(problems.map((problem) => problem.name)).toEqual(['a/two']);
    expect(IntegrityError.isInstance(problems[0]?.error)).toBe(true);
  });

  it('compare-and-set against a corrupt ref throws; an unconditional set or delete repairs it', async () => {
    await store.refs.set('r', 'old');
    await corrupt('r', '{');
    await expect(store.refs.set('r', 'new', { expected: 'old' })).rejects.toSatisfy(
      IntegrityError.isInstance,
    );
    await expect(store.refs.update('r', () => 'x')).rejects.toSatisfy(IntegrityError.isInstance);
    await store.refs.set('r', 'repaired');
    expect(await store.refs.get('r')).toBe('repaired');
    await corrupt('r', '{');
    expect(await store.refs.delete('r')).toBe(true);
    expect(await store.refs.get('r')).toBeUndefined();
    expect(await store.refs.list()).toEqual([]);
  });
});
