import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStore } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatasets } from '../versions/datasets.js';

const here = dirname(fileURLToPath(import.meta.url));
let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-files-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('file sets', () => {
  it('splits a version into files of rowsPerFile rows, read back in order', async () => {
    const datasets = openDatasets({ store: createStore(join(folder, 'local')) });
    const version = await datasets.commit(
      'split',
      { id: Int32Array.from({ length: 1000 }, (_, index) => index) },
      { rowsPerFile: 300, rowGroupRows: 64 },
    );
    expect(version.files.map((file) => file.rows)).toEqual([300, 300, 300, 100]);
    expect((await datasets.dataset('split').columns()).id).toEqual(
      Int32Array.from({ length: 1000 }, (_, index) => index),
    );
    const ids: number[] = [];
    for await (const batch of datasets.dataset('split').batches({ batchSize: 128 }))
      ids.push(...(batch.columns.id as Int32Array));
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, index) => index));
  });

  it('writes the same files on worker threads as on the calling thread (built package)', async () => {
    if (!existsSync(join(here, '..', '..', 'dist', 'parquet-worker.js'))) {
      throw new Error(
        'Build @mlinfra/datasets first (pnpm --filter @mlinfra/datasets build): this test runs dist/ with worker threads',
      );
    }
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(here, '__fixtures__', 'threaded-commit.mjs'), join(folder, 'threads')],
      { cwd: here },
    );
    const result = JSON.parse(stdout) as {
      threaded: unknown[];
      local: unknown[];
      ids: boolean;
      label7: unknown;
      label8: unknown;
    };
    expect(result.threaded).toHaveLength(4);
    expect(result.threaded).toEqual(result.local);
    expect(result).toMatchObject({ ids: true, label7: null, label8: 'l3' });
  });
});
