import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Datasets, openDatasets } from '../versions/datasets.js';
import { keyPosition, splitOf } from './split.js';

let folder: string;
let datasets: Datasets;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-splits-'));
  datasets = openDatasets({ store: createStore(join(folder, 'home')) });
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function assignment(version: string, key = 'id'): Promise<Map<number, string>> {
  const splits = datasets.dataset('users', version).split({ key });
  const out = new Map<number, string>();
  for (const [name, handle] of Object.entries(splits)) {
    for (const id of (await handle.columns({ columns: ['id'] })).id as Int32Array)
      out.set(id, name);
  }
  return out;
}

describe('split', () => {
  it('assigns about the requested fractions and keeps each row in its split when rows are added', async () => {
    const first = await datasets.commit('users', {
      id: Int32Array.from({ length: 3000 }, (_, index) => index),
    });
    const second = await datasets.commit(
      'users',
      { id: Int32Array.from({ length: 2000 }, (_, index) => 3000 + index) },
      { mode: 'append' },
    );
    const before = await assignment(first.id);
    const after = await assignment(second.id);
    expect(before.size).toBe(3000);
    expect(after.size).toBe(5000);
    for (const [id, name] of before) expect(after.get(id)).toBe(name);
    const counts = { train: 0, validation: 0, test: 0 } as Record<string, number>;
    for (const name of after.values()) counts[name]!++;
    expect(counts.train! / 5000).toBeCloseTo(0.8, 1);
    expect(counts.validation! / 5000).toBeCloseTo(0.1, 1);
    expect(counts.test! / 5000).toBeCloseTo(0.1, 1);
    for (const [id, name] of [...after].slice(0, 50)) expect(splitOf(id, { key: 'id' })).toBe(name);
  });

  it('hashes integers the same whatever their type, and a salt changes the assignment', () => {
    fc.assert(
      fc.property(fc.integer(), (value) => {
        expect(keyPosition(value)).toBe(keyPosition(BigInt(value)));
        expect(keyPosition(value)).toBe(keyPosition(String(value)));
        const position = keyPosition(value);
        expect(position >= 0 && position < 1).toBe(true);
      }),
    );
    const moved = Array.from({ length: 200 }, (_, index) => index).filter(
      (index) => splitOf(index, { key: 'id' }) !== splitOf(index, { key: 'id', salt: 'x' }),
    );
    expect(moved.length).toBeGreaterThan(10);
  });

  it('rejects fractions that do not sum to 1 and an unknown key column', async () => {
    expect(() =>
      datasets.dataset('users').split({ key: 'id', fractions: { train: 0.5, test: 0.4 } }),
    ).toThrow(/sum to 1/);
    await expect(datasets.dataset('users').split({ key: 'nope' }).train!.rows()).rejects.toThrow(
      /Split key "nope"/,
    );
  });
});
