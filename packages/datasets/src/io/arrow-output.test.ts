import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MissingDependencyError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { chunkToArrow, loadArrow } from './arrow-output.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('Arrow output (apache-arrow as an optional peer)', () => {
  it('names the install command when apache-arrow cannot be imported', async () => {
    const missing = Object.assign(new Error("Cannot find package 'apache-arrow'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await loadArrow(() => Promise.reject(missing)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(MissingDependencyError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/npm install apache-arrow/);
    expect((error as Error).cause).toBe(missing);
  });

  it('builds a table with the installed apache-arrow', async () => {
    const table = await chunkToArrow(
      { columns: [{ name: 'x', type: 'float64' }] },
      { length: 2, columns: { x: Float64Array.of(1.5, 2.5) } },
    );
    expect(table.numRows).toBe(2);
    expect([...table.getChild('x')!]).toEqual([1.5, 2.5]);
  });

  it('writes timestamps (epoch milliseconds, NaN for null) as nullable millisecond timestamps', async () => {
    const table = await chunkToArrow(
      { columns: [{ name: 'at', type: 'timestamp', nullable: true }] },
      { length: 3, columns: { at: Float64Array.of(0, Number.NaN, 1_700_000_000_000) } },
    );
    expect([...table.getChild('at')!]).toEqual([0, null, 1_700_000_000_000]);
    expect(table.getChild('at')!.nullCount).toBe(1);
  });

  it('imports, commits and reads without apache-arrow installed, and only toArrow() needs it (built package)', async () => {
    if (!existsSync(join(here, '..', '..', 'dist', 'index.js'))) {
      throw new Error(
        'Build @mlinfra/datasets first (pnpm --filter @mlinfra/datasets build): this test runs dist/ with apache-arrow hidden',
      );
    }
    const home = await mkdtemp(join(tmpdir(), 'datasets-no-arrow-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(here, '__fixtures__', 'without-arrow.mjs'), home],
      { cwd: here },
    );
    const result = JSON.parse(stdout) as {
      ids: number[];
      names: unknown[];
      arrowError: { missing: boolean; message: string } | null;
    };
    expect(result.ids).toEqual([1, 2, 3]);
    expect(result.names).toEqual(['a', 'b', null]);
    expect(result.arrowError?.missing).toBe(true);
    expect(result.arrowError?.message).toMatch(/npm install apache-arrow/);
  });
});
