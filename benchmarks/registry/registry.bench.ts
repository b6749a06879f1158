// @mlinfra/registry against plain better-sqlite3 doing the same inserts and lookups on the same
// disk with the same settings (WAL, synchronous=NORMAL):
//   1. registrations per second (one transaction per version: allocate number, insert version,
//      tag and audit entry),
//   2. batched metric points per second,
//   3. resolve and page latency with 100,000 versions and 10,000,000 metric points in the database,
//   4. how long a change made by another process takes to reach a watcher, against a hand-written
//      poll loop on the same table at the same interval.
// Ratios are ours / peer throughput (> 1 is faster) or ours / peer latency (< 1 is faster).
// BENCH_QUICK=1 uses 10,000 versions and 200,000 points.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '@mlinfra/registry';
import Database from 'better-sqlite3';

const quick = process.env.BENCH_QUICK === '1';
const registrations = quick ? 500 : 3000;
const throughputPoints = quick ? 200_000 : 2_000_000;
const scaleVersions = quick ? 10_000 : 100_000;
const scalePoints = quick ? 200_000 : 10_000_000;
const lookups = quick ? 500 : 3000;
const KEYS = 10;
const ROUNDS = 5;

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function timeOnce(action: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function latencies(count: number, action: (index: number) => unknown): Promise<number[]> {
  // Warm up (statement caches, JIT), then start from a clean heap when run with --expose-gc.
  for (let index = 0; index < Math.min(50, count); index++) await action(index);
  (globalThis as { gc?: () => void }).gc?.();
  const result: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = process.hrtime.bigint();
    await action(index);
    result.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return result;
}

const format = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => value.toFixed(3);

function plainDatabase(path: string): Database.Database {
  const database = new Database(path, { timeout: 10_000 });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  return database;
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-registry-'));
try {
  // ------------------------------------------------------------------ 1. registrations per second
  {
    // Each variant runs in ROUNDS slices, interleaved with the others, so that a change in the
    // machine's load during the run (it is shared) falls on all of them alike.
    const open = async (verifyArtifacts: boolean | 'hash', file: string) => {
      const registry = await openRegistry({
        url: join(root, file),
        store: join(root, 'store'),
        actor: 'bench',
        verifyArtifacts,
      });
      const { digest } = await registry.store.put(new Uint8Array(1024));
      let index = 0;
      return {
        registry,
        async slice(count: number): Promise<number> {
          const begin = process.hrtime.bigint();
          for (const end = index + count; index < end; index++) {
            await registry.registerModel('bench', {
              artifact: digest,
              metrics: { auc: 0.9 },
              tags: { index: String(index) },
            });
          }
          return seconds(begin);
        },
      };
    };
    const variants = [
      await open(true, 'register.db'),
      await open(false, 'register-noverify.db'),
      await open('hash', 'register-hash.db'),
    ];
    const digest = `sha256:${createHash('sha256').update(new Uint8Array(1024)).digest('hex')}`;
    const database = plainDatabase(join(root, 'register-plain.db'));
    database.exec(`
      CREATE TABLE models (name TEXT PRIMARY KEY, last_version INTEGER NOT NULL);
      CREATE TABLE versions (model TEXT, version INTEGER, artifact TEXT, metrics TEXT, created_at INTEGER, PRIMARY KEY (model, version));
      CREATE TABLE version_tags (model TEXT, version INTEGER, key TEXT, value TEXT, PRIMARY KEY (model, version, key));
      CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, action TEXT, model TEXT, version INTEGER, details TEXT);`);
    const upsert = database.prepare(
      'INSERT INTO models (name, last_version) VALUES (?, 0) ON CONFLICT (name) DO NOTHING',
    );
    const allocate = database.prepare(
      'UPDATE models SET last_version = last_version + 1 WHERE name = ? RETURNING last_version',
    );
    const insertVersion = database.prepare('INSERT INTO versions VALUES (?, ?, ?, ?, ?)');
    const insertTag = database.prepare('INSERT INTO version_tags VALUES (?, ?, ?, ?)');
    const insertAudit = database.prepare(
      'INSERT INTO audit (at, action, model, version, details) VALUES (?, ?, ?, ?, ?)',
    );
    const register = database.transaction((index: number) => {
      upsert.run('bench');
      const { last_version: version } = allocate.get('bench') as { last_version: number };
      insertVersion.run('bench', version, digest, '{"auc":0.9}', Date.now());
      insertTag.run('bench', version, 'index', String(index));
      insertAudit.run(Date.now(), 'version.created', 'bench', version, '{}');
    });
    // The same statements by hand on the registry's own schema (its indexes for watchers,
    // lineage and tags), created by openRegistry and then written with prepared statements.
    const schemaPath = join(root, 'register-schema.db');
    await (await openRegistry({ url: schemaPath, store: join(root, 'store') })).close();
    const same = plainDatabase(schemaPath);
    const sameUpsert = same.prepare(
      `INSERT INTO models (name, description, last_version, created_at, updated_at) VALUES (?, NULL, 0, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
    );
    const sameAllocate = same.prepare(
      'UPDATE models SET last_version = last_version + 1, updated_at = ? WHERE name = ? RETURNING last_version',
    );
    const sameTag = same.prepare(
      'INSERT INTO version_tags (model, version, key, value) VALUES (?, ?, ?, ?)',
    );
    const sameVersion = same.prepare(
      `INSERT INTO model_versions (model, version, run_id, artifact, artifact_size, format, input_columns,
         signature, metrics, slices, description, created_at, created_by, approval, approval_by,
         approval_at, approval_reason)
       VALUES (?, ?, NULL, ?, 1024, 'tfjs', NULL, NULL, '{"auc":0.9}', '{}', NULL, ?, 'bench', 'pending', NULL, NULL, NULL)`,
    );
    const sameAudit = same.prepare(
      `INSERT INTO audit_log (at, actor, action, model, version, alias, run_id, details)
       VALUES (?, 'bench', 'version.created', ?, ?, NULL, NULL, ?) RETURNING id`,
    );
    const registerSame = same.transaction((index: number) => {
      const now = Date.now();
      sameUpsert.run('bench', now, now);
      const { last_version: version } = sameAllocate.get(now, 'bench') as {
        last_version: number;
      };
      sameTag.run('bench', version, 'index', String(index));
      sameVersion.run('bench', version, digest, now);
      sameAudit.get(now, 'bench', version, JSON.stringify({ artifact: digest }));
    });
    let plainIndex = 0;
    const totals = [0, 0, 0, 0, 0];
    const slice = registrations / ROUNDS;
    for (let round = 0; round < ROUNDS; round++) {
      const start = process.hrtime.bigint();
      for (const end = plainIndex + slice; plainIndex < end; plainIndex++) {
        register.immediate(plainIndex);
      }
      totals[3] += seconds(start);
      const sameStart = process.hrtime.bigint();
      for (let index = round * slice; index < (round + 1) * slice; index++) {
        registerSame.immediate(index);
      }
      totals[4] += seconds(sameStart);
      for (const [position, variant] of variants.entries()) {
        totals[position] += await variant.slice(slice);
      }
    }
    for (const variant of variants) await variant.registry.close();
    const [ours, oursNoVerify, oursHash, plain, sameSchema] = totals.map(
      (total) => registrations / total,
    ) as [number, number, number, number, number];
    database.close();
    same.close();
    console.log(
      `registrations: ${format(registrations)} versions of one model, one transaction each, per second`,
    );
    console.log(
      `  registry.registerModel                    ${format(ours)}  (artifact checked by digest and size, the default)`,
    );
    console.log(
      `  registry.registerModel verify 'hash'      ${format(oursHash)}  (artifact read back and re-hashed)`,
    );
    console.log(`  registry.registerModel verify off         ${format(oursNoVerify)}`);
    console.log(`  better-sqlite3 same inserts (BEGIN IMMEDIATE) ${format(plain)}`);
    console.log(
      `  better-sqlite3 same inserts on the registry's schema ${format(sameSchema)}  (its indexes)`,
    );
    console.log(`  ratio registry / better-sqlite3            ${(ours / plain).toFixed(2)}x`);
    console.log(
      `  ratio registry (verify 'hash') / better-sqlite3 ${(oursHash / plain).toFixed(2)}x`,
    );
    console.log(
      `  ratio registry (verify off) / better-sqlite3 ${(oursNoVerify / plain).toFixed(2)}x`,
    );
    console.log(
      `  ratio registry / better-sqlite3 on the registry's schema ${(ours / sameSchema).toFixed(2)}x`,
    );
  }

  // ------------------------------------------------------------------ 2. batched metric points
  {
    const steps = throughputPoints / KEYS;
    const values = (step: number) => {
      const result: Record<string, number> = {};
      for (let key = 0; key < KEYS; key++) result[`metric_${key}`] = Math.sin(step + key);
      return result;
    };
    const registry = await openRegistry({
      url: join(root, 'metrics.db'),
      store: join(root, 'store'),
      actor: 'bench',
    });
    const run = await registry.startRun({ experiment: 'bench' });
    let start = process.hrtime.bigint();
    for (let step = 0; step < steps; step++) await run.logMetrics(values(step), { step });
    await run.flush();
    const ours = throughputPoints / seconds(start);
    await run.end();
    await registry.close();

    const database = plainDatabase(join(root, 'metrics-plain.db'));
    database.exec(`CREATE TABLE metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, at INTEGER NOT NULL, value REAL);
      CREATE INDEX metrics_by_run_key ON metrics (run_id, key, step, at);`);
    const insert = database.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?)');
    // A run id as long as the registry's (32 hex digits), as a hand-written schema would store it.
    const runId = 'f'.repeat(32);
    const batch = database.transaction((rows: Array<[string, number, number]>) => {
      for (const [key, step, value] of rows) insert.run(runId, key, step, Date.now(), value);
    });
    start = process.hrtime.bigint();
    let pending: Array<[string, number, number]> = [];
    for (let step = 0; step < steps; step++) {
      for (const [key, value] of Object.entries(values(step))) pending.push([key, step, value]);
      if (pending.length >= 1000) {
        batch.immediate(pending);
        pending = [];
      }
    }
    if (pending.length > 0) batch.immediate(pending);
    const plain = throughputPoints / seconds(start);
    database.close();
    console.log(
      `metric points: ${format(throughputPoints)} points (${KEYS} per step), batches of 1000, per second`,
    );
    console.log(`  run.logMetrics (buffered, async)          ${format(ours)}`);
    console.log(
      `  better-sqlite3 prepared insert in tx      ${format(plain)}  (run_id, key, step, at, value rows)`,
    );
    console.log(`  ratio registry / better-sqlite3           ${(ours / plain).toFixed(2)}x`);
  }

  // ------------------------------------------------------------------ 3. latency at scale
  {
    const path = join(root, 'scale.db');
    const setup = await openRegistry({ url: path, store: join(root, 'store'), actor: 'bench' });
    const { digest } = await setup.store.put('scale artifact');
    // Runs go through the API; the bulk of the data (metric points, versions) is written with
    // large batched inserts into the registry's own tables, which is how one would import history.
    let start = process.hrtime.bigint();
    const pointsPerRun = 10_000;
    const runCount = Math.max(1, Math.round(scalePoints / pointsPerRun));
    const runIds: string[] = [];
    for (let index = 0; index < runCount; index++) {
      const run = await setup.startRun({ experiment: 'scale', params: { seed: index } });
      await run.logMetrics({ metric_0: 0 }, { step: 0 });
      await run.end();
      runIds.push(run.id);
    }
    await setup.close();
    const bulk = plainDatabase(path);
    const seriesIds = new Map<string, number>();
    for (const row of bulk.prepare('SELECT id, run_id FROM metric_series').all() as Array<{
      id: number;
      run_id: string;
    }>) {
      seriesIds.set(row.run_id, row.id);
    }
    const newSeries = bulk.prepare(
      'INSERT INTO metric_series (run_id, key, step, at, value) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    const updateLatest = bulk.prepare(
      'UPDATE metric_series SET step = ?, at = ?, value = ? WHERE id = ?',
    );
    const insertPoint = bulk.prepare(
      'INSERT INTO metrics (series_id, step, at, value) VALUES (?, ?, ?, ?)',
    );
    const fillRun = bulk.transaction((runId: string, runIndex: number) => {
      const series = [seriesIds.get(runId)!];
      for (let key = 1; key < KEYS; key++) {
        series.push(
          (
            newSeries.get(
              runId,
              `metric_${key}`,
              pointsPerRun / KEYS - 1,
              Date.now(),
              Math.cos(runIndex + key),
            ) as { id: number }
          ).id,
        );
      }
      const at = Date.now();
      for (let step = 0; step < pointsPerRun / KEYS; step++) {
        for (let key = step === 0 ? 1 : 0; key < KEYS; key++) {
          insertPoint.run(series[key], step, at + step, Math.cos(runIndex + step + key));
        }
      }
      updateLatest.run(pointsPerRun / KEYS - 1, at, Math.cos(runIndex), series[0]);
    });
    for (const [index, runId] of runIds.entries()) fillRun(runId, index);
    const metricSeconds = seconds(start);
    start = process.hrtime.bigint();
    const insertVersion = bulk.prepare(
      `INSERT INTO model_versions (model, version, run_id, artifact, artifact_size, signature, metrics, slices,
         description, created_at, created_by, approval, approval_by, approval_at, approval_reason)
       VALUES ('scale', ?, ?, ?, 14, NULL, ?, '{}', NULL, ?, 'bench', 'pending', NULL, NULL, NULL)`,
    );
    const insertTag = bulk.prepare(
      "INSERT INTO version_tags (model, version, key, value) VALUES ('scale', ?, 'batch', ?)",
    );
    const insertAudit = bulk.prepare(
      "INSERT INTO audit_log (at, actor, action, model, version, alias, run_id, details) VALUES (?, 'bench', 'version.created', 'scale', ?, NULL, ?, '{}')",
    );
    bulk
      .transaction(() => {
        const now = Date.now();
        bulk
          .prepare(
            "INSERT INTO models (name, description, last_version, created_at, updated_at) VALUES ('scale', NULL, ?, ?, ?)",
          )
          .run(scaleVersions, now, now);
        for (let version = 1; version <= scaleVersions; version++) {
          const runId = runIds[version % runIds.length]!;
          insertVersion.run(
            version,
            runId,
            digest,
            JSON.stringify({ auc: 0.8 + (version % 100) / 1000 }),
            now + version,
          );
          insertTag.run(version, String(version % 10));
          insertAudit.run(now + version, version, runId);
        }
      })
      .immediate();
    bulk.close();
    const versionSeconds = seconds(start);
    const registry = await openRegistry({ url: path, store: join(root, 'store'), actor: 'bench' });
    if ((await registry.getModel('scale')).latestVersion !== scaleVersions)
      throw new Error('scale data was not built');
    const aliases = ['champion', 'challenger', 'staging', 'shadow', 'canary'];
    for (const [position, alias] of aliases.entries()) {
      await registry.setAlias('scale', alias, 1 + Math.floor(((position + 1) * scaleVersions) / 7));
    }
    const size =
      (await stat(path)).size + (await stat(`${path}-wal`).catch(() => ({ size: 0 }))).size;
    const points = (await registry.getRun(runIds[0]!)).metrics;
    if (Object.keys(points).length !== KEYS) throw new Error('metric series were not built');
    console.log(
      `scale: ${format(runCount)} runs, bulk-inserted ${format(runCount * pointsPerRun)} metric points in ${metricSeconds.toFixed(1)} s and ${format(scaleVersions)} versions in ${versionSeconds.toFixed(1)} s (database ${(size / 1024 ** 2).toFixed(0)} MiB)`,
    );

    const random = (index: number) => 1 + ((index * 7919) % scaleVersions);
    // The peer: the minimal hand-written queries for the same answers on the same file, through a
    // second connection. Each sample of ours is followed by a sample of the peer, so both see the
    // same moments of this (shared, noisy) machine.
    const database = new Database(path, { readonly: true });
    const aliasQuery = database.prepare(
      'SELECT version FROM aliases WHERE model = ? AND alias = ?',
    );
    const versionQuery = database.prepare(
      'SELECT * FROM model_versions WHERE model = ? AND version = ?',
    );
    const latestQuery = database.prepare('SELECT last_version FROM models WHERE name = ?');
    const pageQuery = database.prepare(
      'SELECT * FROM model_versions WHERE model = ? AND version < ? ORDER BY version DESC LIMIT 100',
    );
    const offsetQuery = database.prepare(
      'SELECT * FROM model_versions WHERE model = ? ORDER BY version DESC LIMIT 100 OFFSET ?',
    );
    const middle = await registry.listVersions('scale', { limit: 100 });
    let token = middle.nextPageToken!;
    for (let page = 0; page < scaleVersions / 200; page++) {
      token = (await registry.listVersions('scale', { limit: 100, pageToken: token }))
        .nextPageToken!;
    }
    const pairs = async (
      count: number,
      ours: (index: number) => unknown,
      peer: (index: number) => unknown,
    ): Promise<[number[], number[]]> => {
      const oursTimes: number[] = [];
      const peerTimes: number[] = [];
      for (let index = 0; index < Math.min(50, count); index++) {
        await ours(index);
        await peer(index);
      }
      (globalThis as { gc?: () => void }).gc?.();
      for (let index = 0; index < count; index++) {
        oursTimes.push(await timeOnce(() => ours(index)));
        peerTimes.push(await timeOnce(() => peer(index)));
      }
      return [oursTimes, peerTimes];
    };
    const [resolveAlias, plainAlias] = await pairs(
      lookups,
      (index) => registry.resolve(`scale@${aliases[index % aliases.length]}`),
      (index) => {
        const found = aliasQuery.get('scale', aliases[index % aliases.length]) as {
          version: number;
        };
        return versionQuery.get('scale', found.version);
      },
    );
    const [resolveVersion, plainVersion] = await pairs(
      lookups,
      (index) => registry.resolve(`scale/${random(index)}`),
      (index) => versionQuery.get('scale', random(index)),
    );
    const [resolveLatest, plainLatest] = await pairs(
      lookups,
      () => registry.resolve('scale@latest'),
      () => {
        const found = latestQuery.get('scale') as { last_version: number };
        return versionQuery.get('scale', found.last_version);
      },
    );
    const [firstPage, plainFirstPage] = await pairs(
      lookups / 2,
      () => registry.listVersions('scale', { limit: 100 }),
      () => pageQuery.all('scale', Number.MAX_SAFE_INTEGER),
    );
    const [deepPage, plainDeepOffset] = await pairs(
      lookups / 2,
      () => registry.listVersions('scale', { limit: 100, pageToken: token }),
      () => offsetQuery.all('scale', scaleVersions / 2),
    );
    const search = await latencies(20, () =>
      registry.searchRuns({ experiment: 'scale', orderBy: 'metrics.metric_0 ASC', limit: 100 }),
    );
    database.close();
    await registry.close();

    console.log(
      `latency at ${format(scaleVersions)} versions and ${format(runCount * pointsPerRun)} metric points, ms (p50 / p95 / p99); ratio = ours / peer at p50`,
    );
    const line = (label: string, ours: number[], peer: number[], peerLabel: string) => {
      const p99 = percentile(ours, 0.99);
      console.log(
        `  ${label.padEnd(34)} ${ms(percentile(ours, 0.5))} / ${ms(percentile(ours, 0.95))} / ${ms(p99)}   ${peerLabel.padEnd(28)} ${ms(percentile(peer, 0.5))} / ${ms(percentile(peer, 0.95))} / ${ms(percentile(peer, 0.99))}   ratio ${(percentile(ours, 0.5) / percentile(peer, 0.5)).toFixed(2)}x   p99 ${p99 < 5 ? 'under' : 'OVER'} 5 ms`,
      );
    };
    line("resolve('scale@champion')", resolveAlias, plainAlias, 'better-sqlite3 2 selects');
    line("resolve('scale/<n>')", resolveVersion, plainVersion, 'better-sqlite3 1 select');
    line("resolve('scale@latest')", resolveLatest, plainLatest, 'better-sqlite3 2 selects');
    line('listVersions first page of 100', firstPage, plainFirstPage, 'better-sqlite3 keyset page');
    line(
      'listVersions page at the middle',
      deepPage,
      plainDeepOffset,
      'better-sqlite3 OFFSET page',
    );
    console.log(
      `  searchRuns order by metric (${format(runCount)} runs) p50 ${ms(percentile(search, 0.5))}  p99 ${ms(percentile(search, 0.99))}`,
    );
  }

  // ------------------------------------------------------------------ 4. watch latency across processes
  {
    const url = join(root, 'watch.db');
    const events = quick ? 15 : 40;
    const registry = await openRegistry({
      url,
      store: join(root, 'store'),
      actor: 'bench',
      pollIntervalMs: 100,
    });
    const ours: number[] = [];
    const stop = registry.subscribe('watched', (event) => {
      if (event.action === 'version.created') ours.push(Date.now() - event.at.getTime());
    });
    // The peer: a hand-written loop polling the same audit table at the same interval.
    const peer: number[] = [];
    const database = new Database(url, { readonly: true });
    const poll = database.prepare(
      "SELECT id, at FROM audit_log WHERE id > ? AND action = 'version.created' ORDER BY id",
    );
    let cursor =
      (database.prepare('SELECT MAX(id) AS id FROM audit_log').get() as { id: number | null }).id ??
      0;
    const timer = setInterval(() => {
      for (const row of poll.all(cursor) as Array<{ id: number; at: number }>) {
        cursor = row.id;
        peer.push(Date.now() - row.at);
      }
    }, 100);
    const script = `
      const { openRegistry } = await import('@mlinfra/registry');
      const [url, store, count] = process.argv.slice(1);
      const registry = await openRegistry({ url, store, actor: 'writer', verifyArtifacts: false });
      const { digest } = await registry.store.put('watched');
      for (let index = 0; index < Number(count); index++) {
        await registry.registerModel('watched', { artifact: digest });
        await new Promise((resolve) => setTimeout(resolve, 137));
      }
      await registry.close();`;
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', script, url, join(root, 'store'), String(events)],
      {
        cwd: join(dirname(fileURLToPath(import.meta.url)), '..'),
        stdio: 'inherit',
      },
    );
    await new Promise((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 400));
    clearInterval(timer);
    stop();
    database.close();
    await registry.close();
    console.log(
      `watch: ${events} versions registered by another process, notification latency in ms (p50 / p95 / max)`,
    );
    console.log(
      `  registry.subscribe (pollIntervalMs 100)   ${ms(percentile(ours, 0.5))} / ${ms(percentile(ours, 0.95))} / ${ms(Math.max(...ours))}  (${ours.length} events)`,
    );
    console.log(
      `  better-sqlite3 poll loop every 100 ms     ${ms(percentile(peer, 0.5))} / ${ms(percentile(peer, 0.95))} / ${ms(Math.max(...peer))}  (${peer.length} events)`,
    );
    console.log(
      `  ratio p50 registry / poll loop            ${(percentile(ours, 0.5) / percentile(peer, 0.5)).toFixed(2)}x`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
