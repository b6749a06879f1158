import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Datasets, openDatasets } from '../versions/datasets.js';
import type { Version } from '../versions/manifest.js';
import type { Batch, BatchCursor } from './types.js';

let folder: string;
let datasets: Datasets;
let version: Version;
const ROWS = 1000;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-batches-'));
  datasets = openDatasets({ store: createStore(join(folder, 'home')) });
  version = await datasets.commit(
    'numbers',
    {
      id: Int32Array.from({ length: ROWS }, (_, index) => index),
      x: Array.from({ length: ROWS }, (_, index) => (index % 7 === 0 ? null : index / 2)),
      big: BigInt64Array.from({ length: ROWS }, (_, index) => BigInt(index) * 3n),
      flag: Array.from({ length: ROWS }, (_, index) => index % 2 === 0),
      label: Array.from({ length: ROWS }, (_, index) => (index % 5 === 0 ? null : `c${index % 3}`)),
      at: Array.from({ length: ROWS }, (_, index) => new Date(Date.UTC(2024, 0, 1) + index * 1000)),
    },
    { rowGroupRows: 128 },
  );
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function collect(stream: AsyncIterable<Batch>): Promise<Batch[]> {
  const batches: Batch[] = [];
  for await (const batch of stream) batches.push(batch);
  return batches;
}

function ids(batches: Batch[]): number[] {
  return batches.flatMap((batch) => Array.from(batch.columns.id as Int32Array));
}

describe('batches', () => {
  it('streams every row in file order as typed columns with null masks', async () => {
    const batches = await collect(datasets.dataset('numbers').batches({ batchSize: 300 }));
    expect(batches.map((batch) => batch.size)).toEqual([300, 300, 300, 100]);
    expect(ids(batches)).toEqual(Array.from({ length: ROWS }, (_, index) => index));
    const [first] = batches;
    expect(first!.columns.id).toBeInstanceOf(Int32Array);
    expect(first!.columns.x).toBeInstanceOf(Float64Array);
    expect(first!.columns.big).toBeInstanceOf(Float64Array);
    expect(first!.columns.flag).toBeInstanceOf(Uint8Array);
    expect(first!.columns.at).toBeInstanceOf(Float64Array);
    expect(Array.isArray(first!.columns.label)).toBe(true);
    expect(first!.columns.x![7]).toBeNaN();
    expect(first!.nulls.x![7]).toBe(1);
    expect(first!.nulls.x![8]).toBe(0);
    expect(first!.columns.x![8]).toBe(4);
    expect(first!.columns.big![10]).toBe(30);
    expect(first!.columns.at![2]).toBe(Date.UTC(2024, 0, 1) + 2000);
    expect(first!.nulls.label![5]).toBe(1);
    expect(first!.nulls.id).toBeUndefined();
  });

  it('selects columns, converts to float32 and drops the remainder on request', async () => {
    const batches = await collect(
      datasets.dataset('numbers').batches({
        batchSize: 300,
        columns: ['x', 'flag'],
        numericType: 'float32',
        dropRemainder: true,
      }),
    );
    expect(batches).toHaveLength(3);
    expect(Object.keys(batches[0]!.columns)).toEqual(['x', 'flag']);
    expect(batches[0]!.columns.flag).toBeInstanceOf(Float32Array);
  });

  it('shuffles deterministically by seed and epoch, covering every row once', async () => {
    const handle = datasets.dataset('numbers');
    const a = ids(
      await collect(handle.batches({ batchSize: 64, shuffle: { seed: 1, windowRows: 256 } })),
    );
    const b = ids(
      await collect(handle.batches({ batchSize: 64, shuffle: { seed: 1, windowRows: 256 } })),
    );
    const c = ids(
      await collect(
        handle.batches({ batchSize: 64, shuffle: { seed: 1, windowRows: 256 }, epoch: 1 }),
      ),
    );
    const d = ids(
      await collect(handle.batches({ batchSize: 64, shuffle: { seed: 2, windowRows: 256 } })),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(d);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: ROWS }, (_, index) => index));
    const inOrder = a.filter((value, index) => value === index).length;
    expect(inOrder).toBeLessThan(50);
  });

  for (const shuffle of [undefined, { seed: 42, windowRows: 300 }]) {
    it(`resumes from a saved cursor with exactly the next batch (${shuffle === undefined ? 'file order' : 'shuffled'})`, async () => {
      const options = { batchSize: 90, ...(shuffle === undefined ? {} : { shuffle }) };
      const full = ids(await collect(datasets.dataset('numbers').batches(options)));
      const stream = datasets.dataset('numbers').batches(options);
      const seen: number[] = [];
      let saved: BatchCursor | undefined;
      let count = 0;
      for await (const batch of stream) {
        seen.push(...(batch.columns.id as Int32Array));
        if (++count === 4) {
          saved = JSON.parse(JSON.stringify(stream.cursor())) as BatchCursor;
          break;
        }
      }
      expect(saved).toMatchObject({ version: version.id, position: 360, epoch: 0 });
      const rest = ids(
        await collect(datasets.dataset('numbers').batches({ ...options, cursor: saved! })),
      );
      expect([...seen, ...rest]).toEqual(full);
    });
  }

  it('resumes inside a split and rejects a cursor from another version, seed or split', async () => {
    const { train, test } = datasets
      .dataset('numbers')
      .split({ key: 'id', fractions: { train: 0.7, test: 0.3 } });
    const full = ids(
      await collect(
        train!.batches({ batchSize: 50, columns: ['id'], shuffle: { seed: 3, windowRows: 200 } }),
      ),
    );
    const stream = train!.batches({
      batchSize: 50,
      columns: ['id'],
      shuffle: { seed: 3, windowRows: 200 },
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as Batch;
    const cursor = stream.cursor();
    await iterator.return?.();
    const rest = ids(
      await collect(
        train!.batches({
          batchSize: 50,
          columns: ['id'],
          shuffle: { seed: 3, windowRows: 200 },
          cursor,
        }),
      ),
    );
    expect([...(first.columns.id as Int32Array), ...rest]).toEqual(full);

    expect(() => train!.batches({ batchSize: 50, shuffle: { seed: 4 }, cursor })).toThrow(/seed 3/);
    expect(() => test!.batches({ batchSize: 50, shuffle: { seed: 3 }, cursor })).toThrow(
      /split "train"/,
    );
    const other = await datasets.commit(
      'numbers',
      { id: [1], x: [1], big: [1n], flag: [true], label: ['c1'], at: [new Date(0)] },
      { branch: 'other' },
    );
    await expect(
      collect(
        datasets
          .dataset('numbers', other.id)
          .split({ key: 'id', fractions: { train: 0.7, test: 0.3 } })
          .train!.batches({ batchSize: 50, columns: ['id'], shuffle: { seed: 3 }, cursor }),
      ),
    ).rejects.toThrow(/open dataset\(name, 'sha256:/);
    expect(() =>
      datasets.dataset('numbers').batches({ cursor: { kind: 'nope' } as unknown as BatchCursor }),
    ).toThrow(/Invalid batch cursor/);
  });

  it('rejects unknown columns and a second iteration with ValidationError', async () => {
    await expect(
      collect(datasets.dataset('numbers').batches({ columns: ['nope'] })),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    const stream = datasets.dataset('numbers', version.id).batches({ batchSize: 500 });
    expect(stream.cursor().position).toBe(0);
    await collect(stream);
    await expect(collect(stream)).rejects.toThrow(/iterated once/);
  });
});
