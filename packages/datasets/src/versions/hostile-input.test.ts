import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, NotFoundError, ValidationError } from '@mlinfra/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Datasets, openDatasets } from './datasets.js';

let folder: string;
let datasets: Datasets;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'datasets-hostile-'));
  datasets = openDatasets({ store: createStore(join(folder, 'home')), author: 'tester' });
});

async function csv(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

async function refused(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('commit of hostile or careless input', () => {
  it('refuses CSV that RFC 4180 does not allow, stores nothing, and reads it with relaxQuotes', async () => {
    for (const [text, where] of [
      ['id,text\n1,"hello\n2,"wor"ld"\n', /line 3, column 4/],
      ['id,text\n1,ab"cd\n', /line 2, column 5/],
      ['id,text\n1,"x"y\n', /line 2, column 6/],
    ] as const) {
      const error = await refused(datasets.commit('strict', await csv('bad.csv', text)));
      expect(ValidationError.isInstance(error), text).toBe(true);
      expect(error.message).toMatch(where);
      expect(error.message).toMatch(/bad\.csv/);
    }
    expect(await datasets.list()).toEqual([]);
    const relaxed = await datasets.commit(
      'relaxed',
      await csv('relaxed.csv', 'id,text\n1,ab"cd\n2,"x"y\n'),
      {
        csv: { relaxQuotes: true },
      },
    );
    expect(relaxed.rowCount).toBe(2);
    expect((await datasets.dataset('relaxed').rows()).map((row) => row.text)).toEqual([
      'ab"cd',
      'xy',
    ]);
  });

  it('refuses a column named __proto__ with a message naming it, and round-trips a tag of that name', async () => {
    const error = await refused(
      datasets.commit('proto', await csv('proto.csv', 'id,__proto__\n1,x\n')),
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/"__proto__".*rename the column/);
    const version = await datasets.commit('proto', await csv('ok.csv', 'id,constructor\n1,x\n'));
    expect(await datasets.dataset('proto').rows()).toEqual([{ id: 1, constructor: 'x' }]);
    await datasets.tag('proto', '__proto__', version.id);
    const tags = await datasets.tags('proto');
    expect(Object.keys(tags)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect((await datasets.resolve('proto', '__proto__')).id).toBe(version.id);
  });

  it('says a missing file does not exist (NotFoundError), for CSV and Parquet paths alike', async () => {
    for (const path of [join(folder, 'missing.csv'), join(folder, 'missing.parquet')]) {
      const error = await refused(datasets.commit('missing', path));
      expect(NotFoundError.isInstance(error), error.message).toBe(true);
      expect(error.message).toContain(path);
    }
  });

  it('counts NaN and infinities apart from nulls, with or without a profile, and lets between see them', async () => {
    const path = await csv('floats.csv', 'id,x\n1,1\n2,NaN\n3,Infinity\n4,-inf\n5,\n6,3\n');
    for (const profile of [true, false]) {
      const version = await datasets.commit(`floats-${profile}`, path, { profile });
      expect(version.stats.x).toMatchObject({
        count: 2,
        nulls: 1,
        nan: 1,
        infinite: 2,
        min: 1,
        max: 3,
        mean: 2,
      });
    }
    const between = await refused(
      datasets.commit('bounded', path, {
        expectations: [{ type: 'between', column: 'x', min: 0, max: 10 }],
      }),
    );
    expect(between.message).toMatch(/\(3 are not\)/);
    const notNull = await datasets.commit('present', path, {
      expectations: [{ type: 'notNull', column: 'x', mostly: 0.8 }],
    });
    expect(notNull.rowCount).toBe(6);
    const appended = await datasets.commit('floats-true', path, { mode: 'append' });
    expect(appended.stats.x).toMatchObject({ count: 4, nulls: 2, nan: 2, infinite: 4 });
  });
});

describe('options', () => {
  it('refuses unknown keys in every options object with a ValidationError naming the key, and stores nothing', async () => {
    const unknown = [
      () => datasets.commit('opts', [{ a: 1 }], { retires: 1 } as never),
      () => datasets.commit('opts', [{ a: 1 }], { csv: { delimeter: ';' } } as never),
      async () => openDatasets({ store: join(folder, 'home'), cachedir: 'x' } as never),
      async () => datasets.dataset('opts').batches({ batchsize: 2 } as never),
      async () => datasets.dataset('opts').split({ key: 'a', salty: 'x' } as never),
    ];
    for (const [index, attempt] of unknown.entries()) {
      const error = await refused(attempt());
      expect(ValidationError.isInstance(error), String(index)).toBe(true);
      expect(error.message).toMatch(/retires|delimeter|cachedir|batchsize|salty/);
    }
    expect(await datasets.list()).toEqual([]);
  });

  it('names the failing expectation by its path under expectations', async () => {
    const error = await refused(
      datasets.commit('opts', [{ a: 1 }], {
        expectations: [{ type: 'rowCount' }, { type: 'notNul', column: 'a' } as never],
      }),
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toContainEqual([
      'expectations',
      1,
      'type',
    ]);
    expect(await datasets.list()).toEqual([]);
  });
});
