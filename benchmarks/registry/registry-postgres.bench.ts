// @mlinfra/registry on PostgreSQL against hand-written `pg` doing the same work on the same
// server (embedded PostgreSQL from @mlinfra/test-servers, or MLINFRA_TEST_DATABASE_URL):
//   1. registrations per second, one transaction per version (allocate the number, insert the
//      version, a tag and the audit entry), against the same statements through one pg client,
//   2. resolve('name@alias') latency with 100,000 versions in the database, against the two
//      hand-written selects it needs (alias, then version row with tags and aliases).
// Ratios are ours / peer throughput (> 1 is faster) or ours / peer latency (< 1 is faster).
// BENCH_QUICK=1 uses 10,000 versions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@mlinfra/registry';
import { createDatabase, startPostgres } from '@mlinfra/test-servers';
import pg from 'pg';

const quick = process.env.BENCH_QUICK === '1';
const registrations = quick ? 300 : 2000;
const scaleVersions = quick ? 10_000 : 100_000;
const lookups = quick ? 500 : 3000;
const ROUNDS = 5;

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const format = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => value.toFixed(3);

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function latencies(count: number, action: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < Math.min(100, count); index++) await action();
  const result: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = process.hrtime.bigint();
    await action();
    result.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return result;
}

const server = await startPostgres();
const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-registry-pg-'));
try {
  // ------------------------------------------------------------------ 1. registrations per second
  {
    const database = await createDatabase(server.url);
    const registry = await openRegistry({ database, store: join(root, 'store'), actor: 'bench' });
    const { digest } = await registry.store.put(new Uint8Array(1024));
    const client = new pg.Client({ connectionString: await createDatabase(server.url) });
    await client.connect();
    await client.query(`
      CREATE TABLE models (name TEXT PRIMARY KEY, last_version BIGINT NOT NULL);
      CREATE TABLE versions (model TEXT, version BIGINT, artifact TEXT, metrics TEXT, created_at BIGINT, PRIMARY KEY (model, version));
      CREATE TABLE version_tags (model TEXT, version BIGINT, key TEXT, value TEXT, PRIMARY KEY (model, version, key));
      CREATE TABLE audit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT, action TEXT, model TEXT, version BIGINT, details TEXT);`);
    const plainRegister = async (index: number) => {
      await client.query('BEGIN');
      await client.query({
        name: 'upsert',
        text: 'INSERT INTO models (name, last_version) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING',
        values: ['bench'],
      });
      const allocated = await client.query({
        name: 'allocate',
        text: 'UPDATE models SET last_version = last_version + 1 WHERE name = $1 RETURNING last_version',
        values: ['bench'],
      });
      const version = Number(allocated.rows[0].last_version);
      await client.query({
        name: 'version',
        text: 'INSERT INTO versions VALUES ($1, $2, $3, $4, $5)',
        values: ['bench', version, digest, '{"auc":0.9}', Date.now()],
      });
      await client.query({
        name: 'tag',
        text: 'INSERT INTO version_tags VALUES ($1, $2, $3, $4)',
        values: ['bench', version, 'index', String(index)],
      });
      await client.query({
        name: 'audit',
        text: 'INSERT INTO audit (at, action, model, version, details) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        values: [Date.now(), 'version.created', 'bench', version, '{}'],
      });
      await client.query('COMMIT');
    };
    const ourRegister = (index: number) =>
      registry.registerModel('bench', {
        artifact: digest,
        metrics: { auc: 0.9 },
        tags: { index: String(index) },
      });
    // Interleaved slices, so that a change in the shared machine's load falls on both alike.
    let oursSeconds = 0;
    let plainSeconds = 0;
    const slice = registrations / ROUNDS;
    for (let round = 0; round < ROUNDS; round++) {
      let start = process.hrtime.bigint();
      for (let index = round * slice; index < (round + 1) * slice; index++) {
        await ourRegister(index);
      }
      oursSeconds += seconds(start);
      start = process.hrtime.bigint();
      for (let index = round * slice; index < (round + 1) * slice; index++) {
        await plainRegister(index);
      }
      plainSeconds += seconds(start);
    }
    const ours = registrations / oursSeconds;
    const plain = registrations / plainSeconds;
    await registry.close();
    await client.end();
    console.log(
      `registrations on PostgreSQL: ${format(registrations)} versions of one model, one transaction each, per second`,
    );
    console.log(`  registry.registerModel (artifact by digest)  ${format(ours)}`);
    console.log(`  pg same inserts (BEGIN ... COMMIT)           ${format(plain)}`);
    console.log(`  ratio registry / pg                          ${(ours / plain).toFixed(2)}x`);
  }

  // ------------------------------------------------------------------ 2. resolve at scale
  {
    const database = await createDatabase(server.url);
    const registry = await openRegistry({ database, store: join(root, 'store'), actor: 'bench' });
    const { digest } = await registry.store.put('scale artifact');
    await registry.registerModel('scale', { artifact: digest, metrics: { auc: 0.8 } });
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    const start = process.hrtime.bigint();
    // Bulk rows straight into the registry's tables (registering 100,000 versions one by one
    // would measure registration again), then the model's counter and two aliases.
    await client.query(
      `INSERT INTO model_versions (model, version, run_id, artifact, artifact_size, format, input_columns,
         signature, metrics, slices, description, created_at, created_by, approval, approval_by,
         approval_at, approval_reason)
       SELECT 'scale', v, NULL, $1, 14, 'tfjs', NULL, NULL, '{"auc":' || (0.8 + (v % 100) / 1000.0) || '}',
         '{}', NULL, $2 + v, 'bench', 'pending', NULL, NULL, NULL
       FROM generate_series(2, $3::bigint) AS v`,
      [digest, Date.now(), scaleVersions],
    );
    await client.query(
      `INSERT INTO version_tags (model, version, key, value)
       SELECT 'scale', v, 'batch', (v % 10)::text FROM generate_series(1, $1::bigint) AS v`,
      [scaleVersions],
    );
    await client.query(`UPDATE models SET last_version = $1 WHERE name = 'scale'`, [scaleVersions]);
    await client.query('ANALYZE');
    const fillSeconds = seconds(start);
    const champion = Math.floor(scaleVersions / 2);
    await registry.setAlias('scale', 'champion', champion);
    await registry.setAlias('scale', 'production', scaleVersions - 10);

    const ours = await latencies(lookups, () => registry.resolve('scale@champion'));
    const peer = await latencies(lookups, async () => {
      const alias = await client.query({
        name: 'alias',
        text: 'SELECT version FROM aliases WHERE model = $1 AND alias = $2',
        values: ['scale', 'champion'],
      });
      const version = alias.rows[0].version;
      await client.query({
        name: 'row',
        text: 'SELECT * FROM model_versions WHERE model = $1 AND version = $2',
        values: ['scale', version],
      });
      await client.query({
        name: 'tags',
        text: 'SELECT key, value FROM version_tags WHERE model = $1 AND version = $2',
        values: ['scale', version],
      });
      await client.query({
        name: 'aliases',
        text: 'SELECT alias FROM aliases WHERE model = $1 AND version = $2',
        values: ['scale', version],
      });
    });
    await client.end();
    await registry.close();
    const p99 = percentile(ours, 0.99);
    console.log(
      `resolve on PostgreSQL at ${format(scaleVersions)} versions (filled in ${fillSeconds.toFixed(1)} s), ms (p50 / p95 / p99)`,
    );
    console.log(
      `  resolve('scale@champion')   ${ms(percentile(ours, 0.5))} / ${ms(percentile(ours, 0.95))} / ${ms(p99)}   pg 4 selects ${ms(percentile(peer, 0.5))} / ${ms(percentile(peer, 0.95))} / ${ms(percentile(peer, 0.99))}   p99 ${p99 < 5 ? 'under' : 'OVER'} 5 ms`,
    );
    console.log(
      `  ratio resolve p50 registry / pg  ${(percentile(ours, 0.5) / percentile(peer, 0.5)).toFixed(2)}x`,
    );
    console.log(`  ratio resolve p99 registry / pg  ${(p99 / percentile(peer, 0.99)).toFixed(2)}x`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
  await server.stop();
}
