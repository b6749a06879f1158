// @mlinfra/datasets full Parquet reads into JS columns, against DuckDB (@duckdb/node-api) and
// parquetjs-lite, same files, same run. Data: rows x 7 columns (int32 id, float64 price, float64
// score, float32 weight, low-cardinality string zone, bool flag, timestamp at).
//   readParquet of a DuckDB-written file vs DuckDB SELECT * materialised into JS columns
//   readParquet vs parquetjs-lite's row cursor, each reading the file parquetjs-lite wrote
// Prints seconds (best of 3 for the fast readers, one pass of parquetjs-lite) and ratios, and
// RESULT lines for run-all.mjs. BENCH_QUICK=1: 200,000 / 50,000 rows instead of 1,000,000 / 200,000.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquet, writeParquet } from '@mlinfra/datasets';

const quick = process.env.BENCH_QUICK === '1';
const rows = quick ? 200_000 : 1_000_000;
const parquetjsRows = quick ? 50_000 : 200_000;
const require = createRequire(import.meta.url);
const parquetjs = require('parquetjs-lite') as {
  ParquetSchema: new (fields: Record<string, { type: string }>) => unknown;
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

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function seconds(action: () => Promise<unknown>): Promise<number> {
  gc();
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function best(times: number, action: () => Promise<unknown>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let run = 0; run < times; run++) fastest = Math.min(fastest, await seconds(action));
  return fastest;
}

function result(metric: string, peer: string, ours: number, peerValue: number): void {
  console.log(
    `RESULT ${JSON.stringify({ area: 'datasets', metric, ours, peer, peerValue, ratio: ours / peerValue, unit: 's', better: 'lower' })}`,
  );
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-read-'));
const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
try {
  const duckFile = join(root, 'duck.parquet');
  await duck.run(`CREATE TABLE t AS SELECT
      i::INTEGER AS id,
      (hash(i) % 100000) / 1000.0 AS price,
      sqrt(i::DOUBLE) AS score,
      ((hash(i * 7) % 2000) / 100.0)::FLOAT AS weight,
      'zone_' || (hash(i * 13) % 40)::VARCHAR AS zone,
      hash(i * 3) % 2 = 0 AS flag,
      TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS at
    FROM range(${rows}) r(i)`);
  await duck.run(`COPY t TO '${duckFile}' (FORMAT parquet)`);

  // Warm both readers (JIT, DuckDB's first scan).
  await readParquet(duckFile);
  await duck.runAndReadAll(`SELECT count(*) FROM read_parquet('${duckFile}')`);

  const duckJs = await best(2, async () => {
    const result = await duck.runAndReadAll(`SELECT * FROM read_parquet('${duckFile}')`);
    if (result.getColumnsObjectJS().id?.length !== rows) throw new Error('DuckDB row count');
  });
  const duckNative = await best(2, () =>
    duck.run(`CREATE OR REPLACE TABLE copy AS SELECT * FROM read_parquet('${duckFile}')`),
  );
  const ours = await best(3, async () => {
    const { columns } = await readParquet(duckFile);
    if (columns.id?.length !== rows) throw new Error('readParquet row count');
  });
  console.log(`full read of ${rows.toLocaleString()} rows x 7 columns (DuckDB's file, seconds)`);
  console.log(`  DuckDB SELECT * -> JS columns     ${duckJs.toFixed(3)}`);
  console.log(`  DuckDB native table (no JS)       ${duckNative.toFixed(3)}`);
  console.log(`  readParquet                       ${ours.toFixed(3)}`);
  console.log(
    `  ratio readParquet / DuckDB JS     ${(ours / duckJs).toFixed(2)}x  (target <= 1.5)`,
  );
  console.log(`  ratio readParquet / DuckDB native ${(ours / duckNative).toFixed(2)}x`);
  result('full read 7 columns vs DuckDB to JS', 'duckdb', ours, duckJs);
  result('full read 7 columns vs DuckDB native', 'duckdb-native', ours, duckNative);

  // parquetjs-lite reads row objects through a cursor: fewer rows, the same file for both.
  const { columns: data } = await readParquet(duckFile);
  const rowObjects = Array.from({ length: parquetjsRows }, (_, index) => ({
    id: (data.id as Int32Array)[index],
    price: (data.price as Float64Array)[index],
    score: (data.score as Float64Array)[index],
    weight: (data.weight as Float32Array)[index],
    zone: (data.zone as string[])[index],
    flag: (data.flag as boolean[])[index],
    at: (data.at as Float64Array)[index],
  }));
  const pjsFile = join(root, 'parquetjs.parquet');
  const writer = await parquetjs.ParquetWriter.openFile(
    new parquetjs.ParquetSchema({
      id: { type: 'INT32' },
      price: { type: 'DOUBLE' },
      score: { type: 'DOUBLE' },
      weight: { type: 'FLOAT' },
      zone: { type: 'UTF8' },
      flag: { type: 'BOOLEAN' },
      at: { type: 'INT64' },
    }),
    pjsFile,
    { compression: 'SNAPPY' },
  );
  for (const row of rowObjects) await writer.appendRow(row);
  await writer.close();
  const oursFile = join(root, 'ours.parquet');
  await writeParquet(oursFile, rowObjects, {
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
  });
  const pjsRead = await seconds(async () => {
    const reader = await parquetjs.ParquetReader.openFile(pjsFile);
    const cursor = reader.getCursor();
    let count = 0;
    while (await cursor.next()) count++;
    await reader.close();
    if (count !== parquetjsRows) throw new Error('parquetjs-lite row count');
  });
  await readParquet(pjsFile);
  const oursPjsFile = await best(3, async () => {
    const { columns } = await readParquet(pjsFile);
    if (columns.id?.length !== parquetjsRows) throw new Error('readParquet row count');
  });
  const oursOwnFile = await best(3, () => readParquet(oursFile));
  console.log(`\nagainst parquetjs-lite, ${parquetjsRows.toLocaleString()} rows (seconds)`);
  console.log(`  parquetjs-lite cursor (its file)  ${pjsRead.toFixed(3)}`);
  console.log(`  readParquet (parquetjs's file)    ${oursPjsFile.toFixed(3)}`);
  console.log(`  readParquet (our file)            ${oursOwnFile.toFixed(3)}`);
  console.log(
    `  speedup read (same file)          ${(pjsRead / oursPjsFile).toFixed(1)}x  (target >= 10)`,
  );
  console.log(`  speedup read (each its own file)  ${(pjsRead / oursOwnFile).toFixed(1)}x`);
  result('read vs parquetjs-lite (same file)', 'parquetjs-lite', oursPjsFile, pjsRead);
  result('read vs parquetjs-lite (each its own file)', 'parquetjs-lite', oursOwnFile, pjsRead);
} finally {
  duck.closeSync();
  await rm(root, { recursive: true, force: true });
}
