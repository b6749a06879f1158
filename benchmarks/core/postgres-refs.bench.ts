// @mlinfra/core shared store: ref compare-and-set updates per second on PostgreSQL from 8
// processes, next to a hand-written pg loop doing the same read-modify-write
// (`SELECT value, token` then `UPDATE ... WHERE token = $1`, retried when it lost the race).
// Two cases: every process on its own ref (throughput), and all on one ref (contention).
// Prints ratios (ours / plain updates per second; > 1 is faster).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createDatabase, startPostgres } from '@mlinfra/test-servers/servers';
import pg from 'pg';

const quick = process.env.BENCH_QUICK === '1';
const processes = 8;
const perProcess = quick ? 100 : 300;
const rounds = quick ? 1 : 3;
const worker = fileURLToPath(new URL('./refs-worker.ts', import.meta.url));

interface Outcome {
  updatesPerSecond: number;
  conflicts: number;
}

function medianOutcome(outcomes: Outcome[]): Outcome {
  const sorted = [...outcomes].sort((a, b) => a.updatesPerSecond - b.updatesPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function runAll(mode: 'ours' | 'plain', url: string, shared: boolean, folder: string) {
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const done: Promise<{ start: number; end: number; conflicts: number }>[] = [];
  for (let index = 0; index < processes; index++) {
    const name = shared ? 'bench/shared' : `bench/own-${index}`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', worker, mode, url, name, String(perProcess)],
      { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_STORE_FOLDER: folder } },
    );
    children.push(child);
    const lines = createInterface({ input: child.stdout! });
    const iterator = lines[Symbol.asyncIterator]();
    ready.push(iterator.next().then(() => undefined));
    done.push(iterator.next().then((line) => JSON.parse(String(line.value))));
  }
  await Promise.all(ready);
  for (const child of children) child.stdin!.write('go\n');
  const results = await Promise.all(done);
  const span = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
  return {
    updatesPerSecond: (processes * perProcess) / (span / 1000),
    conflicts: results.reduce((sum, r) => sum + r.conflicts, 0),
  } satisfies Outcome;
}

const postgres = await startPostgres();
const folder = await mkdtemp(join(tmpdir(), 'mlinfra-bench-refs-'));
try {
  console.log(
    `refs on PostgreSQL: ${processes} processes x ${perProcess} read-modify-write updates`,
  );
  for (const shared of [false, true]) {
    const oursUrl = await createDatabase(postgres.url);
    const plainUrl = await createDatabase(postgres.url);
    const client = new pg.Client({ connectionString: plainUrl });
    await client.connect();
    await client.query(
      'CREATE TABLE plain_refs (name text PRIMARY KEY, value text NOT NULL, token text NOT NULL)',
    );
    for (let index = 0; index < processes; index++) {
      await client.query("INSERT INTO plain_refs VALUES ($1, '0', 'initial')", [
        shared ? 'bench/shared' : `bench/own-${index}`,
      ]);
      if (shared) break;
    }
    await client.end();
    // Alternating rounds, medians: the machine's load drifts during a run.
    const plainRounds: Outcome[] = [];
    const oursRounds: Outcome[] = [];
    for (let round = 0; round < rounds; round++) {
      plainRounds.push(await runAll('plain', plainUrl, shared, folder));
      oursRounds.push(await runAll('ours', oursUrl, shared, folder));
    }
    const plain = medianOutcome(plainRounds);
    const ours = medianOutcome(oursRounds);
    const label = shared ? 'one shared ref' : 'a ref per process';
    const ratio = ours.updatesPerSecond / plain.updatesPerSecond;
    console.log(`  ${label}`);
    console.log(
      `    plain pg loop   ${plain.updatesPerSecond.toFixed(0)} updates/s (${plain.conflicts} lost races)`,
    );
    console.log(
      `    store.refs      ${ours.updatesPerSecond.toFixed(0)} updates/s (${ours.conflicts} lost races)`,
    );
    console.log(
      `RESULT ${JSON.stringify({
        area: 'core',
        metric: `ref compare-and-set, 8 processes, ${label}`,
        ours: Number(ours.updatesPerSecond.toFixed(0)),
        peer: 'pg UPDATE ... WHERE token = $1 loop',
        peerValue: Number(plain.updatesPerSecond.toFixed(0)),
        ratio: Number(ratio.toFixed(3)),
        unit: 'updates/s',
        better: 'higher',
      })}`,
    );
  }
} finally {
  await postgres.stop();
  await rm(folder, { recursive: true, force: true });
}
