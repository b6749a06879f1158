import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { createDatabase } from '@mlinfra/test-servers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureBuilt, fixtures, mlinfraProcess } from '../test-support/bin.js';
import { containersOf, parseManifests } from '../test-support/kubernetes.js';
import { type LocalCluster, startContainer } from '../test-support/pods.js';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Doc = Record<string, any>;

const trainConfig = {
  dataset: 'weather',
  label: 'weather',
  features: { precipitation: 'standardize', temp_max: 'standardize', wind: 'standardize' },
  split: { key: 'date' },
  model: { hidden: [8] },
  epochs: 3,
  batchSize: 16,
  learningRate: 0.02,
  backend: 'cpu',
  experiment: 'k8s',
  checkpoint: { everySteps: 5 },
  register: { model: 'weather' },
};

let user: string;

/**
 * A fresh local stand-in for a cluster: a shared store (blobs in the real S3 API server, refs and
 * the registry in a database of its own on the real PostgreSQL), a data volume. The Secret's
 * values are exactly what a user puts in the mlinfra Secret.
 */
async function newCluster(): Promise<LocalCluster> {
  const root = await mkdtemp(join(tmpdir(), 'mlinfra-cluster-'));
  const data = join(root, 'data');
  await mkdir(data);
  await copyFile(join(fixtures, 'weather-2012.csv'), join(data, 'weather-2012.csv'));
  const s3 = inject('mlinfraS3');
  return {
    root,
    data,
    secret: {
      MLINFRA_STORE: `s3://${s3.bucket}/${randomUUID()}`,
      MLINFRA_DATABASE_URL: await createDatabase(inject('mlinfraPostgresUrl')),
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    },
  };
}

/** `mlinfra deploy <args>` as a user runs it, parsed. */
async function deploy(args: string[]): Promise<Doc[]> {
  const result = await mlinfraProcess(['deploy', ...args], {
    cwd: user,
    env: { PATH: process.env.PATH },
  });
  if (result.code !== 0)
    throw new Error(`deploy ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return parseManifests(result.stdout);
}

async function mlinfraJson<T>(cluster: LocalCluster, args: string[]): Promise<T> {
  const result = await mlinfraProcess([...args, '--json'], {
    cwd: cluster.root,
    env: { PATH: process.env.PATH, MLINFRA_HOME: join(cluster.root, 'admin'), ...cluster.secret },
  });
  if (result.code !== 0)
    throw new Error(`mlinfra ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function weightsOf(cluster: LocalCluster, artifact: string): Promise<string[]> {
  const s3 = inject('mlinfraS3');
  const store = createStore({
    blobs: cluster.secret.MLINFRA_STORE!,
    refs: cluster.secret.MLINFRA_DATABASE_URL!,
    s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials },
  });
  const manifest = await store.readJson<{ weights: Array<{ digest: string }> }>(artifact);
  return manifest.weights.map((file) => file.digest);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

beforeAll(async () => {
  ensureBuilt();
  user = await mkdtemp(join(tmpdir(), 'mlinfra-user-'));
  await writeFile(join(user, 'train.json'), JSON.stringify(trainConfig));
  await writeFile(join(user, 'gates.json'), JSON.stringify([{ metric: 'accuracy', min: 0.2 }]));
  await writeFile(
    join(user, 'strict-gates.json'),
    JSON.stringify([{ metric: 'accuracy', min: 0.9999 }]),
  );
  await writeFile(
    join(user, 'sweep.json'),
    JSON.stringify({
      name: 'lr',
      train: 'train.json',
      parameters: { learningRate: [0.002, 0.02, 0.2] },
      objective: { metric: 'val_loss', mode: 'min' },
    }),
  );
});

describe('the commands inside the generated manifests, run as local processes', () => {
  let cluster: LocalCluster;
  let champion = 0;

  it('pipeline: commit -> validate -> train -> evaluate -> promote, promoting only through the gates', async () => {
    cluster = await newCluster();
    const runPipeline = async (gates: string, workflow: string) => {
      const [configMap, template] = await deploy([
        'pipeline',
        '--config',
        'train.json',
        '--gates',
        gates,
      ]);
      const variables: Record<string, string> = { 'workflow.name': workflow };
      for (const parameter of template!.spec.arguments.parameters) {
        variables[`workflow.parameters.${parameter.name}`] = parameter.value;
      }
      variables['workflow.parameters.source'] = '/data/weather-2012.csv';
      const codes: Record<string, number | null> = {};
      for (const group of template!.spec.templates[0].steps) {
        const step = group[0];
        const container = containersOf(template!).find((item) => item.template === step.template)!;
        const pod = await startContainer(cluster, container, { configMap: configMap!, variables });
        const result = await pod.result;
        codes[step.name] = result.code;
        if (result.code !== 0) break;
        if (step.name === 'train') {
          const out = container.args[container.args.indexOf('--result') + 1] as string;
          const text = await readFile(out.replace(/^\/tmp\//, `${pod.scratch}/`), 'utf8');
          variables['inputs.parameters.version'] = String(JSON.parse(text).registered.version);
        }
      }
      return { codes, version: Number(variables['inputs.parameters.version']) };
    };
    const first = await runPipeline('gates.json', 'weather-pipeline-a1');
    expect(first.codes).toEqual({ commit: 0, validate: 0, train: 0, evaluate: 0, promote: 0 });
    const promoted = await mlinfraJson<{ version: number }>(cluster, [
      'models',
      'show',
      'weather@champion',
    ]);
    expect(promoted.version).toBe(first.version);
    champion = first.version;

    const second = await runPipeline('strict-gates.json', 'weather-pipeline-b2');
    expect(second.codes).toEqual({ commit: 0, validate: 0, train: 0, evaluate: 5 });
    expect(second.version).toBe(first.version + 1);
    const still = await mlinfraJson<{ version: number }>(cluster, [
      'models',
      'show',
      'weather@champion',
    ]);
    expect(still.version).toBe(champion);
  });

  it('sweep: one process per completion index, then the best run is picked', async () => {
    const [configMap, trials, best] = await deploy(['sweep', '--config', 'sweep.json']);
    expect(trials!.spec.completions).toBe(3);
    const trialContainer = trials!.spec.template.spec.containers[0];
    const pods = await Promise.all(
      [0, 1, 2].map((index) =>
        startContainer(cluster, trialContainer, {
          configMap: configMap!,
          env: { JOB_COMPLETION_INDEX: String(index) },
        }),
      ),
    );
    const results = await Promise.all(pods.map((pod) => pod.result));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const bestContainer = best!.spec.template.spec.containers[0];
    const picked = await startContainer(cluster, bestContainer, {
      configMap: configMap!,
      rewrite: (args) => [...args, '--json'],
    });
    const outcome = await picked.result;
    expect(outcome.code, outcome.stderr).toBe(0);
    const summary = JSON.parse(outcome.stdout) as { best: { runId: string }; finished: number };
    expect(summary.finished).toBe(3);
    const runs = await mlinfraJson<
      Array<{ id: string; tags: Record<string, string>; metrics: Record<string, number> }>
    >(cluster, ['runs', 'list', '--experiment', 'k8s', '--filter', "tags.sweep = 'lr'"]);
    expect(runs).toHaveLength(3);
    const lowest = [...runs].sort((a, b) => a.metrics.val_loss! - b.metrics.val_loss!)[0]!;
    expect(summary.best.runId).toBe(lowest.id);
    expect(runs.find((run) => run.id === lowest.id)!.tags['sweep.best']).toBe('true');
  });

  it('train: a pod stopped with SIGTERM is retried and ends with the weights of an uninterrupted run', async () => {
    const config = { ...trainConfig, epochs: 10, batchSize: 8, checkpoint: { everySeconds: 3600 } };
    await writeFile(join(user, 'long.json'), JSON.stringify(config));
    const [configMap, job] = await deploy(['train', '--config', 'long.json']);
    const container = job!.spec.template.spec.containers[0];
    const grace = job!.spec.template.spec.terminationGracePeriodSeconds as number;
    const artifactOf = (stdout: string) => /model artifact (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];

    const preempted = await newCluster();
    const commit = async (target: LocalCluster) =>
      mlinfraJson(target, ['datasets', 'commit', 'weather', join(target.data, 'weather-2012.csv')]);
    await commit(preempted);
    const first = await startContainer(preempted, container, { configMap: configMap! });
    await first.outputMatches(/epoch 3\/10/);
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const stopped = await first.result;
    expect(Date.now() - signalled).toBeLessThan(grace * 1000);
    // The trainer writes its checkpoint, then lets SIGTERM end the process as it would have.
    expect(stopped.signal ?? stopped.code, stopped.stderr).toBe('SIGTERM');
    expect(stopped.stderr).not.toMatch(/epoch 10\/10/);
    const retried = await startContainer(preempted, container, { configMap: configMap! });
    const resumed = await retried.result;
    expect(resumed.code, resumed.stderr).toBe(0);

    const quiet = await newCluster();
    await commit(quiet);
    const whole = await (await startContainer(quiet, container, { configMap: configMap! })).result;
    expect(whole.code, whole.stderr).toBe(0);
    expect(await weightsOf(preempted, artifactOf(resumed.stdout)!)).toEqual(
      await weightsOf(quiet, artifactOf(whole.stdout)!),
    );
  });

  it('serving: SIGTERM under load fails no request sent before readiness dropped, and exits within the grace period', async () => {
    const [deployment] = await deploy([
      'serving',
      '--model',
      'weather@champion',
      '--drain-seconds',
      '10',
      '--shutdown-delay-seconds',
      '2',
    ]);
    const pod = deployment!.spec.template.spec;
    const container = pod.containers[0];
    const port = await freePort();
    const server = await startContainer(cluster, container, {
      rewrite: (args) =>
        args.map((arg, index) =>
          args[index - 1] === '--port' ? String(port) : arg === '0.0.0.0' ? '127.0.0.1' : arg,
        ),
    });
    const get = (path: string) =>
      new Promise<number>((resolve) => {
        const probe = request({ host: '127.0.0.1', port, path, agent: false }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        probe.on('error', () => resolve(0));
        probe.end();
      });
    const readiness = container.readinessProbe.httpGet.path as string;
    while ((await get(readiness)) !== 200) await new Promise((done) => setTimeout(done, 100));
    const body = JSON.stringify({ instances: [{ precipitation: 0, temp_max: 12.5, wind: 3.1 }] });
    const failures: string[] = [];
    let answered = 0;
    const send = () =>
      new Promise<void>((resolve) => {
        const call = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/models/weather:predict',
            agent: false,
            headers: { 'content-type': 'application/json' },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              if (response.statusCode === 200) answered += 1;
              else failures.push(`status ${response.statusCode}`);
              resolve();
            });
          },
        );
        call.on('error', (error: NodeJS.ErrnoException) => {
          failures.push(error.code ?? error.message);
          resolve();
        });
        call.end(body);
      });
    // The load balancer: routes requests until it sees readiness fail (probed every 100 ms).
    let routed = true;
    const balancer = (async () => {
      while (routed) {
        await new Promise((done) => setTimeout(done, 100));
        if ((await get(readiness)) !== 200) routed = false;
      }
    })();
    const clients = Array.from({ length: 8 }, async () => {
      while (routed) await send();
    });
    await new Promise((done) => setTimeout(done, 1500));
    const answeredBefore = answered;
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    await Promise.all([balancer, ...clients]);
    const exit = await server.result;
    expect(Date.now() - signalled).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
    expect(exit.code, exit.stderr).toBe(0);
    expect(answeredBefore).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });
});
