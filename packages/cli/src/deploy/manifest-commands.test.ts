import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { beforeAll, describe, expect, it } from 'vitest';
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

/** A fresh local stand-in for a cluster: a shared store and registry, a data volume. */
async function newCluster(): Promise<LocalCluster> {
  const root = await mkdtemp(join(tmpdir(), 'mlinfra-cluster-'));
  const data = join(root, 'data');
  await mkdir(data);
  await copyFile(join(fixtures, 'weather-2012.csv'), join(data, 'weather-2012.csv'));
  return {
    root,
    data,
    secret: {
      MLINFRA_STORE: join(root, 'shared-store'),
      MLINFRA_DATABASE_URL: join(root, 'shared-registry.db'),
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
  const store = createStore(cluster.secret.MLINFRA_STORE!);
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
});
