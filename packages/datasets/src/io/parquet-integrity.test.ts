import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, ValidationError } from '@mlinfra/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatasets } from '../versions/datasets.js';
import { readParquet, writeParquet } from './parquet-files.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'datasets-parquet-integrity-'));
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ValidationError.isInstance(error), String(error)).toBe(true);
  return error as Error;
}

describe('Parquet integrity', () => {
  it('writes page checksums and refuses a flipped byte in an uncompressed page', async () => {
    const path = join(folder, 'floats.parquet');
    // Random floats do not compress: the page is stored as is, so a flipped byte changes a value.
    const values = Float64Array.from(
      { length: 4096 },
      (_, index) => Math.sin(index * 12.9898) * 43758.5453,
    );
    await writeParquet(path, { x: values }, { codec: 'uncompressed' });
    const intact = await readParquet(path);
    expect(Array.from(intact.columns.x as Float64Array)).toEqual(Array.from(values));
    const bytes = await readFile(path);
    // A byte in the middle of the data, well inside the only page.
    bytes[4 + 2048 * 8] = bytes[4 + 2048 * 8]! ^ 0x10;
    const damaged = join(folder, 'flipped.parquet');
    await writeFile(damaged, bytes);
    const error = await refusal(readParquet(damaged));
    expect(error.message).toMatch(/flipped\.parquet.*checksum/s);
  });

  it('names files that are not valid Parquet instead of reading them as CSV or failing inside', async () => {
    const good = join(folder, 'good.parquet');
    await writeParquet(good, { id: Int32Array.from({ length: 1000 }, (_, index) => index) });
    const whole = await readFile(good);
    const cases: Array<[string, Uint8Array | string, RegExp]> = [
      ['text.parquet', 'id,name\n1,a\n', /does not start with "PAR1"/],
      ['empty.parquet', '', /is empty/],
      ['cut.parquet', whole.subarray(0, whole.length - 20), /does not end with "PAR1"/],
      ['tiny.parquet', 'PAR1', /fewer than the 12/],
    ];
    const datasets = openDatasets({ store: createStore(join(folder, 'home')), author: 'tester' });
    for (const [name, content, why] of cases) {
      const path = join(folder, name);
      await writeFile(path, content);
      for (const attempt of [readParquet(path), datasets.commit('bad', path)]) {
        const error = await refusal(attempt);
        expect(error.message).toContain(`${path} is not a valid Parquet file`);
        expect(error.message).toMatch(why);
      }
    }
    expect(await datasets.list()).toEqual([]);
  });
});
