// @mlinfra/datasets batch streaming over a 3,000,000-row x 7-column version: peak RSS (target
// under 300 MiB) and rows/s, against DuckDB streaming the same Parquet file chunk by chunk into JS
// columns. Each reader runs in its own fresh process so RSS is its own. BENCH_QUICK=1: 600,000 rows.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { createStore } from '@mlinfra/core';
import { openDatasets } from '@mlinfra/datasets';

const quick = process.env.BENCH_QUICK === '1';
const rows = quick ? 600_000 : 3_000_000;
const MiB = 1024 ** 2;

interface Measurement {
  rows: number;
  seconds: number;
  peakRssMiB: number;
  checksum: number;
}

/** Child process: stream and report peak RSS. */
async function child(role: string, home: string, file: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(sample, 20);
  const start = process.hrtime.bigint();
  let count = 0;
  let checksum = 0;
  if (role === 'duckdb') {
    const connection = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
    const files = (JSON.parse(file) as string[]).map((path) => `'${path}'`).join(', ');
    const result = await connection.stream(`SELECT * FROM read_parquet([${files}])`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const price = chunk.getColumns()[1] as number[];
      for (let index = 0; index < price.length; index++) checksum += price[index]!;
      count += chunk.rowCount;
      sample();
    }
    connection.closeSync();
  } else {
    const datasets = openDatasets({ store: createStore(home) });
    const shuffle = role === 'ours-shuffled' ? { shuffle: { seed: 1 } } : {};
    for await (const batch of datasets.dataset('big').batches({ batchSize: 4096, ...shuffle })) {
      const price = batch.columns.price as Float64Array;
      for (let index = 0; index < price.length; index++) checksum += price[index]!;
      count += batch.size;
      sample();
    }
  }
  clearInterval(timer);
  sample();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const measurement: Measurement = { rows: count, seconds, peakRssMiB: peak / MiB, checksum };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

if (process.env.STREAM_ROLE !== undefined) {
  await child(process.env.STREAM_ROLE, process.env.STREAM_HOME!, process.env.STREAM_FILE!);
} else {
  const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-stream-'));
  try {
    const home = join(root, 'home');
    const datasets = openDatasets({ store: createStore(home) });
    const chunkRows = 100_000;
    async function* chunks() {
      for (let start = 0; start < rows; start += chunkRows) {
        const size = Math.min(chunkRows, rows - start);
        yield {
          id: Int32Array.from({ length: size }, (_, index) => start + index),
          price: Float64Array.from(
            { length: size },
            (_, index) => (((start + index) * 7919) % 100_000) / 1000,
          ),
          score: Float64Array.from({ length: size }, (_, index) => Math.sqrt(start + index)),
          weight: Float32Array.from({ length: size }, (_, index) => ((start + index) % 2000) / 100),
          zone: Array.from({ length: size }, (_, index) => `zone_${((start + index) * 13) % 40}`),
          flag: Array.from({ length: size }, (_, index) => (start + index) % 3 === 0),
          at: Float64Array.from(
            { length: size },
            (_, index) => 1_704_067_200_000 + (start + index) * 1000,
          ),
        };
      }
    }
    const schema = {
      columns: [
        { name: 'id', type: 'int32' as const },
        { name: 'price', type: 'float64' as const },
        { name: 'score', type: 'float64' as const },
        { name: 'weight', type: 'float32' as const },
        { name: 'zone', type: 'string' as const },
        { name: 'flag', type: 'bool' as const },
        { name: 'at', type: 'timestamp' as const },
      ],
    };
    const start = process.hrtime.bigint();
    const version = await datasets.commit('big', chunks(), { schema });
    const commitSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    // The version's Parquet files (in the local cache), in row order: DuckDB reads the same files.
    const file = JSON.stringify(
      version.files.map((entry) =>
        join(datasets.cacheDir, `${entry.digest.slice('sha256:'.length)}.parquet`),
      ),
    );
    console.log(
      `committed ${version.rowCount.toLocaleString()} rows x 7 columns (${version.files.length} Parquet files) streamed in ${chunkRows.toLocaleString()}-row chunks in ${commitSeconds.toFixed(1)} s`,
    );
    const self = fileURLToPath(import.meta.url);
    const measure = (role: string): Measurement => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', self], {
        env: { ...process.env, STREAM_ROLE: role, STREAM_HOME: home, STREAM_FILE: file },
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`${role} failed: ${result.stderr}`);
      return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Measurement;
    };
    const duck = measure('duckdb');
    const ours = measure('ours');
    const shuffled = measure('ours-shuffled');
    for (const [label, m] of [
      ['DuckDB stream (fetchChunk -> JS)', duck],
      ['batches() file order, 4096/batch', ours],
      ['batches() shuffled (window 65536)', shuffled],
    ] as const) {
      console.log(
        `  ${label.padEnd(36)} peak RSS ${m.peakRssMiB.toFixed(0).padStart(5)} MiB  ${(m.rows / m.seconds / 1e6).toFixed(2)} M rows/s  (${m.rows} rows)`,
      );
    }
    if (ours.rows !== rows || shuffled.rows !== rows || duck.rows !== rows)
      throw new Error('a reader saw the wrong number of rows');
    if (Math.abs(ours.checksum - duck.checksum) > 1e-6 * Math.abs(duck.checksum))
      throw new Error('checksums differ');
    console.log(
      `  peak RSS ours / DuckDB              ${(ours.peakRssMiB / duck.peakRssMiB).toFixed(2)}x  (target: ours < 300 MiB)`,
    );
    console.log(
      `  peak RSS shuffled / DuckDB          ${(shuffled.peakRssMiB / duck.peakRssMiB).toFixed(2)}x`,
    );
    console.log(
      `  throughput ours / DuckDB            ${(duck.seconds / ours.seconds).toFixed(2)}x`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
