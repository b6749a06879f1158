import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConflictError, createStore, NotFoundError, ValidationError } from '@mlinfra/core';
import { tableFromArrays } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Datasets, openDatasets } from './datasets.js';

let folder: string;
let datasets: Datasets;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-versions-'));
  datasets = openDatasets({ store: createStore(join(folder, 'home')), author: 'tester' });
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const people = [
  { id: 1, name: 'ada', age: 36, score: 0.5 },
  { id: 2, name: 'bob', age: 41, score: 0.25 },
  { id: 3, name: 'cy', age: null, score: 0.75 },
];

async function blobCount(): Promise<number> {
  let count = 0;
  for await (const _ of datasets.store.list()) count++;
  return count;
}

describe('Datasets.commit', () => {
  it('commits rows and reads them back with an inferred schema and statistics', async () => {
    const version = await datasets.commit('people', people, { message: 'first' });
    expect(version.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(version).toMatchObject({
      dataset: 'people',
      parent: null,
      branch: 'main',
      rowCount: 3,
      message: 'first',
      author: 'tester',
    });
    expect(version.schema.columns).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'name', type: 'string', nullable: false },
      { name: 'age', type: 'int32', nullable: true },
      { name: 'score', type: 'float64', nullable: false },
    ]);
    expect(version.stats.age).toMatchObject({ count: 2, nulls: 1, min: 36, max: 41, mean: 38.5 });
    expect(version.stats.name?.valueCounts).toEqual({ ada: 1, bob: 1, cy: 1 });
    expect(await datasets.dataset('people').rows()).toEqual(people);
    const columns = await datasets
      .dataset('people', version.id)
      .columns({ columns: ['id', 'score'] });
    expect(columns.id).toEqual(Int32Array.from([1, 2, 3]));
    expect(columns.score).toEqual(Float64Array.from([0.5, 0.25, 0.75]));
  });

  it('stores identical data once and returns the head version for a repeated commit', async () => {
    const first = await datasets.commit('people', people);
    const blobs = await blobCount();
    const again = await datasets.commit(
      'people',
      people.map((row) => ({ ...row })),
    );
    expect(again.id).toBe(first.id);
    expect(await blobCount()).toBe(blobs);
    const other = await datasets.commit('people', people, { branch: 'copy' });
    expect(other.files).toEqual(first.files);
  });

  it('enforces the parent schema and accepts an explicit schema change', async () => {
    await datasets.commit('people', people);
    const bad = datasets.commit('people', [
      { id: 'x4', name: 'dee', age: 20, score: 1, extra: true },
    ]);
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    const error = (await bad.catch((caught: unknown) => caught)) as ValidationError;
    expect(error.message).toContain('pass { schema } to change it');
    expect(error.issues.map((issue) => issue.path[0])).toEqual(
      expect.arrayContaining(['id', 'extra']),
    );
    expect(await datasets.log('people')).toHaveLength(1);

    const changed = await datasets.commit('people', [{ id: 4, name: 'dee', height: 1.7 }], {
      schema: {
        columns: [
          { name: 'id', type: 'int64' },
          { name: 'name', type: 'string' },
          { name: 'height', type: 'float64' },
        ],
      },
    });
    const diff = await datasets.diff('people', changed.parent!, changed.id);
    expect(diff.schema.added).toEqual(['height']);
    expect(diff.schema.removed).toEqual(['age', 'score']);
    expect(diff.schema.changed.map((change) => change.column)).toEqual(['id']);
    expect(diff.rows).toEqual({ a: 3, b: 1, change: -2 });
  });

  it('rejects every schema violation at once and commits nothing', async () => {
    const schema = {
      columns: [
        { name: 'id', type: 'int32' as const, unique: true },
        { name: 'label', type: 'category' as const, categories: ['cat', 'dog'] },
        { name: 'weight', type: 'float64' as const, min: 0, max: 100 },
        { name: 'seen', type: 'timestamp' as const, nullable: true },
      ],
    };
    const rows = [
      { id: 1, label: 'cat', weight: 3, seen: '2024-01-02' },
      { id: 1, label: 'cow', weight: -1, seen: 'yesterday' },
      { id: 2.5, label: null, weight: 120, seen: null },
      { id: 3, label: 'dog', weight: 150, seen: new Date(0) },
    ];
    const blobs = await blobCount();
    const error = (await datasets
      .commit('pets', rows, { schema })
      .catch((caught: unknown) => caught)) as ValidationError;
    expect(ValidationError.isInstance(error)).toBe(true);
    const messages = error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^id: is a duplicate/),
        expect.stringMatching(/^id: is not an int32 integer/),
        expect.stringMatching(/^label: is not one of the allowed categories/),
        expect.stringMatching(/^label: is null but the column is not nullable/),
        expect.stringMatching(/^weight: is below min 0/),
        expect.stringMatching(/^weight: is above max 100 \(in 2 rows, first in row 2: 120\)/),
        expect.stringMatching(/^seen: is not a timestamp/),
      ]),
    );
    expect(await blobCount()).toBe(blobs);
    await expect(datasets.log('pets')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('checks expectations with mostly tolerances and parent comparisons, listing every failure', async () => {
    const base = Array.from({ length: 100 }, (_, index) => ({
      id: index,
      label: index % 2 === 0 ? 'a' : 'b',
      value: index % 10 === 0 ? null : index,
    }));
    await datasets.commit('events', base, {
      expectations: [
        { type: 'notNull', column: 'value', mostly: 0.85 },
        { type: 'classBalance', column: 'label', minShare: 0.4 },
        { type: 'between', column: 'value', min: 0, max: 90, mostly: 0.9 },
      ],
    });
    const skewed = Array.from({ length: 50 }, (_, index) => ({
      id: index,
      label: index < 45 ? 'a' : 'b',
      value: index < 20 ? null : index * 10,
    }));
    const error = (await datasets
      .commit('events', skewed, {
        expectations: [
          { type: 'rowCount', min: 60 },
          { type: 'rowCountChange', maxDecrease: 0.2 },
          { type: 'notNull', column: 'value', mostly: 0.85 },
          { type: 'nullFractionChange', column: 'value', maxIncrease: 0.1 },
          { type: 'classBalance', column: 'label', minShare: 0.3 },
          { type: 'between', column: 'value', min: 0, max: 300, mostly: 0.95 },
          { type: 'meanChange', column: 'value', maxStd: 1 },
          { type: 'unique', column: 'id' },
          { type: 'inSet', column: 'label', values: ['a', 'b'] },
        ],
      })
      .catch((caught: unknown) => caught)) as ValidationError;
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.issues.map((issue) => issue.path[2])).toEqual([
      'rowCount',
      'rowCountChange',
      'notNull',
      'nullFractionChange',
      'classBalance',
      'between',
      'meanChange',
    ]);
    expect(await datasets.log('events')).toHaveLength(1);
    await expect(
      datasets.commit('events', base, { expectations: [{ type: 'notNull', column: 'nope' }] }),
    ).rejects.toThrow(/column "nope" is not in the schema/);
  });

  it('appends rows to the parent version without rewriting its files', async () => {
    const first = await datasets.commit('log', { t: [1, 2, 3], v: [0.5, 1.5, 2.5] });
    const second = await datasets.commit(
      'log',
      { t: [4], v: [3.5] },
      { mode: 'append', message: 'more' },
    );
    expect(second.files.slice(0, 1)).toEqual(first.files);
    expect(second.files).toHaveLength(2);
    expect(second.rowCount).toBe(4);
    expect(second.stats.v).toMatchObject({ count: 4, min: 0.5, max: 3.5, mean: 2 });
    expect(await datasets.dataset('log').columns()).toEqual({
      t: Int32Array.from([1, 2, 3, 4]),
      v: Float64Array.from([0.5, 1.5, 2.5, 3.5]),
    });
  });

  it('enforces uniqueness across the parent rows on append', async () => {
    const schema = {
      columns: [
        { name: 'key', type: 'int64' as const, unique: true },
        { name: 'v', type: 'float64' as const },
      ],
    };
    await datasets.commit('keys', { key: [1n, 2n], v: [0.5, 1] }, { schema });
    await expect(
      datasets.commit('keys', { key: [3n, 2n], v: [2, 3] }, { mode: 'append' }),
    ).rejects.toThrow(/key: is a duplicate but the column is unique \(in row 1: 2n\)/);
    const appended = await datasets.commit(
      'keys',
      { key: [3n, 4n], v: [2, 3] },
      { mode: 'append' },
    );
    expect(appended.rowCount).toBe(4);
  });

  it('commits an Arrow table, column arrays, a CSV file, a Parquet file and an async iterable', async () => {
    const arrow = tableFromArrays({ x: Float64Array.from([1, 2]), s: ['p', 'q'] });
    const fromArrow = await datasets.commit('arrow', arrow);
    expect(fromArrow.schema.columns.map((column) => column.type)).toEqual(['float64', 'category']);
    const back = await datasets.dataset('arrow').toArrow();
    expect(back.numRows).toBe(2);
    expect(back.getChild('s')?.toArray()).toEqual(['p', 'q']);

    const csv = join(folder, 'data.csv');
    writeFileSync(
      csv,
      'id,name,when,ok,amount\n1,"Smith, J",2024-01-02,true,1.5\n2,"say ""hi""",2024-02-03T04:05:06Z,false,\n',
    );
    const fromCsv = await datasets.commit('csv', csv);
    expect(fromCsv.schema.columns.map((column) => [column.name, column.type])).toEqual([
      ['id', 'int32'],
      ['name', 'string'],
      ['when', 'timestamp'],
      ['ok', 'bool'],
      ['amount', 'float64'],
    ]);
    expect(await datasets.dataset('csv').rows()).toEqual([
      { id: 1, name: 'Smith, J', when: new Date('2024-01-02'), ok: true, amount: 1.5 },
      { id: 2, name: 'say "hi"', when: new Date('2024-02-03T04:05:06Z'), ok: false, amount: null },
    ]);

    const parquet = join(folder, 'duck.parquet');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(
      `COPY (SELECT i AS k, 'v' || i AS s FROM range(1000) r(i)) TO '${parquet}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    duck.closeSync();
    const fromParquet = await datasets.commit('parquet', parquet);
    expect(fromParquet.rowCount).toBe(1000);
    expect(fromParquet.schema.columns.map((column) => column.type)).toEqual(['int64', 'string']);
    expect((await datasets.dataset('parquet').columns()).k?.[999]).toBe(999n);

    async function* chunks() {
      for (let part = 0; part < 3; part++) yield { n: [part * 2, part * 2 + 1] };
    }
    const fromStream = await datasets.commit('stream', chunks());
    expect(fromStream.rowCount).toBe(6);
    expect((await datasets.dataset('stream').columns()).n).toEqual(
      Int32Array.from([0, 1, 2, 3, 4, 5]),
    );
  });
});

describe('Datasets refs', () => {
  it('resolves tags, branches, version ids and asOf times', async () => {
    const v1 = await datasets.commit('d', { x: [1] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const v2 = await datasets.commit('d', { x: [2] });
    await datasets.tag('d', 'v1', v1.id);
    await datasets.branch('d', 'exp', 'v1');
    const v3 = await datasets.commit('d', { x: [3] }, { branch: 'exp' });
    expect(v3.parent).toBe(v1.id);
    expect((await datasets.resolve('d', 'v1')).id).toBe(v1.id);
    expect((await datasets.resolve('d', { tag: 'v1' })).id).toBe(v1.id);
    expect((await datasets.resolve('d', 'main')).id).toBe(v2.id);
    expect((await datasets.resolve('d', 'exp')).id).toBe(v3.id);
    expect((await datasets.resolve('d', { asOf: between })).id).toBe(v1.id);
    expect((await datasets.resolve('d', { asOf: new Date() })).id).toBe(v2.id);
    await expect(datasets.resolve('d', { asOf: new Date(0) })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await datasets.log('d')).map((version) => version.id)).toEqual([v2.id, v1.id]);
    expect(await datasets.branches('d')).toEqual({ exp: v3.id, main: v2.id });
    expect(await datasets.tags('d')).toEqual({ v1: v1.id });
    await expect(datasets.tag('d', 'v1', 'main')).rejects.toBeInstanceOf(ConflictError);
    await expect(datasets.branch('d', 'exp')).rejects.toBeInstanceOf(ConflictError);
    await expect(datasets.resolve('d', 'nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(datasets.resolve('d', 'bad name')).rejects.toBeInstanceOf(ValidationError);
    expect(await datasets.list()).toEqual(['d']);
    const live = await datasets.liveDigests();
    for (const version of [v1, v2, v3]) {
      expect(live.has(version.id)).toBe(true);
      expect(live.has(version.files[0]!.digest)).toBe(true);
    }
  });

  it('reads through an empty cache, fetching verified blobs from the store', async () => {
    const version = await datasets.commit('c', { x: [1, 2, 3] });
    rmSync(datasets.cacheDir, { recursive: true, force: true });
    const fresh = openDatasets({ store: datasets.store, cacheDir: join(folder, 'other-cache') });
    expect((await fresh.dataset('c', version.id).columns()).x).toEqual(Int32Array.from([1, 2, 3]));
  });

  it('gives ConflictError to a concurrent commit without retries, and lands both with retries', async () => {
    await datasets.commit('race', { x: [0] });
    const results = await Promise.allSettled(
      [1, 2, 3].map((x) => datasets.commit('race', { x: [x] })),
    );
    const landed = results.filter((result) => result.status === 'fulfilled');
    const conflicts = results.filter(
      (result) => result.status === 'rejected' && ConflictError.isInstance(result.reason),
    );
    expect(landed.length).toBeGreaterThanOrEqual(1);
    expect(landed.length + conflicts.length).toBe(3);

    const appended = await Promise.all(
      [10, 11, 12, 13].map((x) =>
        datasets.commit('race', { x: [x] }, { mode: 'append', retries: 20 }),
      ),
    );
    const head = await datasets.resolve('race', 'main');
    const values = Array.from((await datasets.dataset('race').columns()).x as Int32Array);
    expect(values.slice(-4).sort()).toEqual([10, 11, 12, 13]);
    expect(head.rowCount).toBe(values.length);
    const history = (await datasets.log('race')).map((version) => version.id);
    for (const version of appended) expect(history).toContain(version.id);
  });
});

describe('profiles and drift', () => {
  function sample(count: number, shift: number, seed: number) {
    let state = seed >>> 0;
    const next = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
      x: Float64Array.from({ length: count }, () => next() * 10 + shift),
      group: Array.from({ length: count }, () => (next() < 0.5 + shift / 20 ? 'a' : 'b')),
    };
  }

  it('stores a drift profile with each version, merged on append', async () => {
    const first = await datasets.commit('p', sample(500, 0, 1));
    expect(first.profile).toMatch(/^sha256:/);
    const profile = await datasets.dataset('p').profile();
    expect(profile).toMatchObject({ format: 'mlinfra.drift.profile', rowCount: 500 });
    expect(Object.keys(profile!.columns)).toEqual(['x', 'group']);
    await datasets.commit('p', sample(300, 0, 2), { mode: 'append' });
    expect((await datasets.dataset('p').profile())?.rowCount).toBe(800);
    const { train } = datasets
      .dataset('p')
      .split({ key: 'x', fractions: { train: 0.5, test: 0.5 } });
    const trainProfile = await train!.profile();
    expect(trainProfile!.rowCount).toBeGreaterThan(300);
    expect(trainProfile!.rowCount).toBeLessThan(500);
    const unprofiled = await datasets.commit('q', sample(10, 0, 3), { profile: false });
    expect(unprofiled.profile).toBeNull();
    expect(await datasets.dataset('q').profile()).toBeNull();
  });

  it('reports drift between versions in diff and rejects a drifted commit with a drift expectation', async () => {
    const base = await datasets.commit('m', sample(2000, 0, 1));
    const same = await datasets.commit('m', sample(2000, 0, 7));
    const calm = await datasets.diff('m', base.id, same.id);
    expect(calm.drift?.datasetDrift).toBe(false);
    const shifted = await datasets.commit('m', sample(2000, 5, 9), { message: 'shifted' });
    const diff = await datasets.diff('m', same.id, shifted.id);
    expect(diff.drift?.datasetDrift).toBe(true);
    expect(diff.columns.x?.meanChange).toBeCloseTo(5, 0);
    expect((await datasets.diff('m', same.id, shifted.id, { drift: false })).drift).toBeNull();

    const error = (await datasets
      .commit('m', sample(2000, -5, 11), { expectations: [{ type: 'drift' }] })
      .catch((caught: unknown) => caught)) as ValidationError;
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.issues[0]?.message).toMatch(/drifted from the parent version in 2 column\(s\): x/);
    expect((await datasets.resolve('m', 'main')).id).toBe(shifted.id);
    const accepted = await datasets
      .commit('m', sample(2000, 5, 12), { expectations: [{ type: 'drift' }] })
      .catch((caught: unknown) => caught);
    expect(accepted).toMatchObject({ parent: shifted.id });
  });
});
