import { DuckDBInstance } from '@duckdb/node-api';
import { readParquet, writeParquet } from '@mlinfra/datasets';

const rows = Number(process.env.ROWS ?? 1_000_000);
const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
await duck.run(
  `COPY (SELECT i::INTEGER AS id, (hash(i) % 100000) / 1000.0 AS price, sqrt(i::DOUBLE) AS score, ((hash(i * 7) % 2000) / 100.0)::FLOAT AS weight, 'zone_' || (hash(i * 13) % 40)::VARCHAR AS zone, hash(i * 3) % 2 = 0 AS flag, TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS at FROM range(${rows}) r(i)) TO '/tmp/ds/ref.parquet' (FORMAT parquet)`,
);
duck.closeSync();
for (let r = 0; r < 2; r++) {
  let t = performance.now();
  const { columns, schema } = await readParquet('/tmp/ds/ref.parquet');
  console.log(
    'read duck file',
    (performance.now() - t).toFixed(0),
    (process.memoryUsage().heapUsed / 2 ** 20) | 0,
  );
  t = performance.now();
  await writeParquet('/tmp/ds/ours.parquet', columns, { schema });
  console.log('write', (performance.now() - t).toFixed(0));
  t = performance.now();
  await readParquet('/tmp/ds/ours.parquet');
  console.log('read ours', (performance.now() - t).toFixed(0));
}
