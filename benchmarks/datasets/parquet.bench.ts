// @mlinfra/datasets Parquet IO against DuckDB (@duckdb/node-api) and parquetjs-lite, same data,
// same run. Rows x 7 columns (int32 id, 2 float64, float32, low-cardinality string, bool,
// timestamp). Prints seconds and ratios (ours / peer time; < 1 means we are faster).
//   commit (write + statistics + profile + store) vs DuckDB COPY ... TO parquet
//   full read into JS columns vs DuckDB SELECT * materialised into JS columns
//   write and read vs parquetjs-lite
// BENCH_QUICK=1: 200,000 rows instead of 1,000,000.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createStore } from '@mlinfra/core';
import { openDatasets, readParquet, writeParquet } from '@mlinfra/datasets';

const quick = process.env.BENCH_QUICK === '1';
const rows = quick ? 200_000 : 1_000_000;
const parquetjsRows = quick ? 50_000 : 200_000;
const require = createRequire(import.meta.url);
const parquetjs = require('parquetjs-lite') as {
  ParquetSchema: new (fields: Record<string, { type: string; optional?: boolean }>) => unknown;
  ParquetWriter: {
    openFile(
      schema: unknown,
      path: string,
      options?: Record<string, unknown>,
    ): Promise<{ appendRow(row: unknown): Promise<void>; close(): Promise<void> }>;
  };
  ParquetReader: {
    openFile(
      path: string,
    ): Promise<{ getCursor(): { next(): Promise<unknown> }; close(): Promise<void> }>;
  };
};

async function seconds(action: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Median seconds of three runs (`run` gets the run number), collecting garbage before each. */
async function median3(action: (run: number) => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    gc();
    times.push(await seconds(() => action(run)));
  }
  return times.sort((a, b) => a - b)[1]!;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-datasets-'));
const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
try {
  const reference = join(root, 'reference.parquet');
  await duck.run(`CREATE TABLE t AS SELECT
      i::INTEGER AS id,
      (hash(i) % 100000) / 1000.0 AS price,
      sqrt(i::DOUBLE) AS score,
      ((hash(i * 7) % 2000) / 100.0)::FLOAT AS weight,
      'zone_' || (hash(i * 13) % 40)::VARCHAR AS zone,
      hash(i * 3) % 2 = 0 AS flag,
      TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS at
    FROM range(${rows}) r(i)`);
  await duck.run(`COPY t TO '${reference}' (FORMAT parquet)`);
  const { columns: data, schema: fileSchema } = await readParquet(reference);
  // DuckDB marks every column nullable; the data has no nulls, so commit it as inferSchema would
  // (not nullable), with the timestamp column typed.
  const schema = { columns: fileSchema.columns.map((column) => ({ ...column, nullable: false })) };
  console.log(
    `data: ${rows.toLocaleString()} rows x 7 columns (${((await stat(reference)).size / 1024 ** 2).toFixed(1)} MiB as DuckDB Parquet)`,
  );

  // Warm both sides once (JIT, DuckDB extension load) on a small slice.
  await duck.run(
    `COPY (SELECT * FROM t LIMIT 10000) TO '${join(root, 'warm.parquet')}' (FORMAT parquet)`,
  );
  const warm = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.slice(0, 10000)]));
  await writeParquet(join(root, 'warm-ours.parquet'), warm, { schema });
  const datasets = openDatasets({ store: createStore(join(root, 'home')) });
  await datasets.commit('warm', warm, { message: 'warm-up', schema });

  // Medians of three runs, interleaved per tool; each commit goes to its own dataset.
  const duckWrite = await median3(() =>
    duck.run(`COPY t TO '${join(root, 'duck.parquet')}' (FORMAT parquet)`),
  );
  const oursPath = join(root, 'ours.parquet');
  const oursWrite = await median3(() => writeParquet(oursPath, data, { schema }));
  const commit = await median3((run) =>
    datasets.commit(run === 0 ? 'bench' : `bench-${run}`, data, { message: 'bench', schema }),
  );
  gc();

  const duckRead = await seconds(async () => {
    const result = await duck.runAndReadAll(`SELECT * FROM read_parquet('${reference}')`);
    const columns = result.getColumnsObjectJS();
    if (columns.id?.length !== rows) throw new Error('DuckDB read the wrong row count');
  });
  gc();
  const duckNative = await seconds(() =>
    duck.run(`CREATE OR REPLACE TABLE copy AS SELECT * FROM read_parquet('${reference}')`),
  );
  gc();
  const oursReadDuckFile = await seconds(async () => {
    const { columns } = await readParquet(reference);
    if (columns.id?.length !== rows) throw new Error('readParquet read the wrong row count');
  });
  gc();
  const oursReadOwnFile = await seconds(() => readParquet(oursPath));
  gc();
  const datasetRead = await seconds(() => datasets.dataset('bench').columns());
  gc();

  console.log('\nwrite (seconds, median of 3)');
  console.log(`  DuckDB COPY TO parquet          ${duckWrite.toFixed(2)}`);
  console.log(`  writeParquet                    ${oursWrite.toFixed(2)}`);
  console.log(`  commit (write+stats+profile+store) ${commit.toFixed(2)}`);
  console.log(
    `  ratio commit / DuckDB COPY      ${(commit / duckWrite).toFixed(2)}x  (target <= 2)`,
  );
  console.log(`  ratio writeParquet / DuckDB     ${(oursWrite / duckWrite).toFixed(2)}x`);
  console.log('\nfull read into JS columns (seconds)');
  console.log(`  DuckDB SELECT * -> JS columns   ${duckRead.toFixed(2)}`);
  console.log(`  DuckDB native table (no JS)     ${duckNative.toFixed(2)}`);
  console.log(`  readParquet (DuckDB's file)     ${oursReadDuckFile.toFixed(2)}`);
  console.log(`  readParquet (our file)          ${oursReadOwnFile.toFixed(2)}`);
  console.log(`  dataset(...).columns()          ${datasetRead.toFixed(2)}`);
  console.log(
    `  ratio readParquet / DuckDB JS   ${(oursReadDuckFile / duckRead).toFixed(2)}x  (target <= 1.5)`,
  );
  console.log(`  ratio columns() / DuckDB JS     ${(datasetRead / duckRead).toFixed(2)}x`);
  console.log(`  ratio readParquet / DuckDB native ${(oursReadDuckFile / duckNative).toFixed(2)}x`);

  // parquetjs-lite is row-at-a-time and slow: measure on fewer rows and compare per-row rates.
  const slice = Object.fromEntries(
    Object.entries(data).map(([key, values]) => [key, values.slice(0, parquetjsRows)]),
  );
  const sliceRows = Array.from({ length: parquetjsRows }, (_, index) => ({
    id: (slice.id as Int32Array)[index],
    price: (slice.price as Float64Array)[index],
    score: (slice.score as Float64Array)[index],
    weight: (slice.weight as Float32Array)[index],
    zone: (slice.zone as string[])[index],
    flag: (slice.flag as boolean[])[index],
    at: (slice.at as Float64Array)[index],
  }));
  const pjsPath = join(root, 'parquetjs.parquet');
  const pjsSchema = new parquetjs.ParquetSchema({
    id: { type: 'INT32' },
    price: { type: 'DOUBLE' },
    score: { type: 'DOUBLE' },
    weight: { type: 'FLOAT' },
    zone: { type: 'UTF8' },
    flag: { type: 'BOOLEAN' },
    // parquetjs-lite 0.8.7 cannot read back its own TIMESTAMP_MILLIS statistics (BigInt error): epoch ms as INT64.
    at: { type: 'INT64' },
  });
  gc();
  const pjsWrite = await seconds(async () => {
    const writer = await parquetjs.ParquetWriter.openFile(pjsSchema, pjsPath, {
      compression: 'SNAPPY',
    });
    for (const row of sliceRows) await writer.appendRow(row);
    await writer.close();
  });
  gc();
  const pjsRead = await median3(async () => {
    const reader = await parquetjs.ParquetReader.openFile(pjsPath);
    const cursor = reader.getCursor();
    let count = 0;
    while (await cursor.next()) count++;
    await reader.close();
    if (count !== parquetjsRows) throw new Error('parquetjs-lite read the wrong row count');
  });
  gc();
  const oursSlicePath = join(root, 'ours-slice.parquet');
  const oursSliceWrite = await seconds(() =>
    writeParquet(oursSlicePath, sliceRows, {
      schema: {
        columns: [
          { name: 'id', type: 'int32' },
          { name: 'price', type: 'float64' },
          { name: 'score', type: 'float64' },
          { name: 'weight', type: 'float32' },
          { name: 'zone', type: 'string' },
          { name: 'flag', type: 'bool' },
          { name: 'at', type: 'timestamp' },
        ],
      },
    }),
  );
  gc();
  const oursSliceRead = await median3(() => readParquet(oursSlicePath));
  gc();
  const oursReadPjsFile = await median3(() => readParquet(pjsPath));
  console.log(
    `\nagainst parquetjs-lite, ${parquetjsRows.toLocaleString()} row objects (seconds; reads: median of 3)`,
  );
  console.log(`  parquetjs-lite write            ${pjsWrite.toFixed(2)}`);
  console.log(`  writeParquet (row objects)      ${oursSliceWrite.toFixed(2)}`);
  console.log(`  parquetjs-lite read (cursor)    ${pjsRead.toFixed(2)}`);
  console.log(`  readParquet (our file)          ${oursSliceRead.toFixed(2)}`);
  console.log(`  readParquet (parquetjs's file)  ${oursReadPjsFile.toFixed(2)}`);
  console.log(
    `  speedup write                   ${(pjsWrite / oursSliceWrite).toFixed(1)}x  (target >= 10)`,
  );
  console.log(
    `  speedup read (each its own file) ${(pjsRead / oursSliceRead).toFixed(1)}x  (target >= 10)`,
  );
  console.log(`  speedup read (same file)        ${(pjsRead / oursReadPjsFile).toFixed(1)}x`);
} finally {
  duck.closeSync();
  await rm(root, { recursive: true, force: true });
}
