import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/run.js';
import { containersOf, parseManifests, validateManifest } from '../test-support/kubernetes.js';

let work: string;

async function deploy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['deploy', ...args], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: {},
    cwd: work,
  });
  return { code, stdout, stderr };
}

async function manifests(args: string[]) {
  const result = await deploy(args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseManifests(result.stdout);
}

const train = {
  dataset: 'weather',
  label: 'weather',
  features: { temp_max: 'standardize', wind: 'standardize' },
  split: { key: 'date' },
  epochs: 3,
  backend: 'cpu',
  experiment: 'weather',
  register: { model: 'weather' },
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlinfra-deploy-'));
  await writeFile(join(work, 'train.json'), JSON.stringify(train));
  await writeFile(join(work, 'gates.json'), JSON.stringify([{ metric: 'accuracy', min: 0.3 }]));
  await writeFile(
    join(work, 'sweep.json'),
    JSON.stringify({
      name: 'lr',
      train: 'train.json',
      parameters: { learningRate: [0.001, 0.01, 0.1], 'model.hidden': [[8], [16, 8]] },
      objective: { metric: 'val_loss', mode: 'min' },
    }),
  );
});

describe('mlinfra deploy', () => {
  it('writes serving objects that validate and drain before the kubelet kills the pod', async () => {
    const docs = await manifests([
      'serving',
      '--model',
      'weather@champion',
      '--namespace',
      'ml',
      '--drain-seconds',
      '20',
    ]);
    for (const doc of docs) validateManifest(doc);
    expect(docs.map((doc) => doc.kind)).toEqual([
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'ServiceMonitor',
    ]);
    const deployment = docs[0]!;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.args.slice(0, 2)).toEqual(['serve', 'weather@champion']);
    expect(container.args).toContain('--drain-grace-ms');
    expect(container.args[container.args.indexOf('--drain-grace-ms') + 1]).toBe('20000');
    expect(container.readinessProbe.httpGet.path).toBe('/v2/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/v2/health/live');
    const delayMs = Number(container.args[container.args.indexOf('--shutdown-delay-ms') + 1]);
    expect(delayMs).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(20 + delayMs / 1000);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'mlinfra' } }]);
    expect(deployment.metadata.namespace).toBe('ml');
    // The Service and ServiceMonitor select the pods and the Service by the same labels.
    const service = docs[1]!;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    for (const [key, value] of Object.entries(docs[4]!.spec.selector.matchLabels)) {
      expect(service.metadata.labels[key]).toBe(value);
    }
    expect(docs[2]!.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
  });

  it('writes a KServe runtime (protocol v2) and an InferenceService that names it', async () => {
    const docs = await manifests(['kserve', '--model', 'weather@champion']);
    for (const doc of docs) validateManifest(doc);
    const [runtime, service] = docs;
    expect(runtime!.spec.protocolVersions).toEqual(['v2']);
    expect(runtime!.spec.containers[0].name).toBe('kserve-container');
    expect(service!.spec.predictor.model.runtime).toBe(runtime!.metadata.name);
    expect(service!.spec.predictor.model.modelFormat.name).toBe(
      runtime!.spec.supportedModelFormats[0].name,
    );
    expect(service!.spec.predictor.model.env).toContainEqual({
      name: 'MLINFRA_MODELS',
      value: 'weather@champion',
    });
  });

  it('catches a misspelt field in a custom resource', () => {
    expect(() =>
      validateManifest({
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: { name: 'x' },
        spec: { predictor: { model: { modelFormat: { name: 'mlinfra' }, protocolVersoin: 'v2' } } },
      }),
    ).toThrow(/protocolVersoin|additional/);
    expect(() =>
      validateManifest({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: {},
      }),
    ).toThrow();
  });

  it('writes a training Job that retries preempted pods and resumes from the checkpoint', async () => {
    const docs = await manifests(['train', '--config', 'train.json', '--spot', '--gpus', '1']);
    for (const doc of docs) validateManifest(doc);
    const [configMap, job] = docs;
    expect(JSON.parse(configMap!.data['train.json'])).toEqual(train);
    const pod = job!.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(job!.spec.podFailurePolicy.rules[0]).toEqual({
      action: 'Ignore',
      onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }],
    });
    const args = pod.containers[0].args;
    expect(args.slice(0, 2)).toEqual(['train', '/config/train.json']);
    expect(args[args.indexOf('--resume') + 1]).toMatch(/^jobs\/weather\//);
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.tolerations.length).toBeGreaterThan(0);
  });

  it('writes an Indexed Job with one completion per trial and a best-run Job', async () => {
    const docs = await manifests(['sweep', '--config', 'sweep.json', '--register', 'weather']);
    for (const doc of docs) validateManifest(doc);
    const [configMap, trials, best] = docs;
    expect(trials!.spec.completionMode).toBe('Indexed');
    expect(trials!.spec.completions).toBe(6);
    expect(JSON.parse(configMap!.data['sweep.json']).train).toBe('train.json');
    expect(trials!.spec.template.spec.containers[0].args).toEqual([
      'sweep',
      'trial',
      '/config/sweep.json',
    ]);
    expect(best!.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['sweep', 'best', '--register', 'weather']),
    );
  });

  it('writes an Argo WorkflowTemplate whose steps are mlinfra commands', async () => {
    const docs = await manifests(['pipeline', '--config', 'train.json', '--gates', 'gates.json']);
    for (const doc of docs) validateManifest(doc);
    const template = docs[1]!;
    const names = template.spec.templates[0].steps.map(
      (group: Array<{ name: string }>) => group[0]!.name,
    );
    expect(names).toEqual(['commit', 'validate', 'train', 'evaluate', 'promote']);
    const commands = containersOf(template).map((container) =>
      container.args.slice(0, 2).join(' '),
    );
    expect(commands).toEqual([
      'datasets commit',
      'drift report',
      'train /config/train.json',
      'models promote',
      'models promote',
    ]);
    expect(containersOf(template)[3]!.args).toContain('--dry-run');
    // The registered version flows from the train step's result into evaluate and promote.
    expect(JSON.stringify(template.spec.templates[0])).toContain(
      'steps.train.outputs.parameters.result',
    );
  });

  it('refuses bad input with a usage or validation exit code naming the fix', async () => {
    const noModel = await deploy(['serving']);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--model/);
    const badName = await deploy(['serving', '--model', 'm@a', '--name', 'Bad_Name']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/DNS label/);
    await writeFile(
      join(work, 'bad-sweep.json'),
      JSON.stringify({
        name: 'x',
        train: {},
        parameters: { lr: { min: 0, max: 1 } },
        objective: { metric: 'loss', mode: 'min' },
      }),
    );
    const grid = await deploy(['sweep', '--config', 'bad-sweep.json']);
    expect(grid.code).toBe(4);
    expect(grid.stderr).toMatch(/random/);
    const noRegister = await deploy([
      'pipeline',
      '--config',
      'sweep.json',
      '--gates',
      'gates.json',
    ]);
    expect(noRegister.code).toBe(4);
  });
});

describe('the GitHub Actions example', () => {
  it('runs only mlinfra commands and options that exist', async () => {
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    const { COMMANDS } = await import('../cli/run.js');
    const { GLOBAL_OPTIONS } = await import('../cli/command.js');
    const path = join(__dirname, '..', '..', '..', '..', 'deploy', 'github-actions.yml');
    const workflow = parse(await readFile(path, 'utf8')) as {
      jobs: Record<string, { steps: Array<{ name?: string; run?: string }> }>;
    };
    const lines = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .flatMap((step) => (step.run ?? '').split('\n'))
      .filter((line) => line.startsWith('npx mlinfra '));
    expect(lines.length).toBe(5);
    for (const line of lines) {
      const words = line.slice('npx mlinfra '.length).split(' ');
      const command = COMMANDS.find((candidate) =>
        candidate.path.every((word, index) => words[index] === word),
      );
      expect(command, line).toBeDefined();
      for (const flag of words.filter((word) => word.startsWith('--'))) {
        const name = flag.slice(2);
        expect(name in command!.options || name in GLOBAL_OPTIONS, `${flag} in ${line}`).toBe(true);
      }
    }
  });
});

describe('the Dockerfile', () => {
  it('is multi-stage on Node 20 slim, runs as a non-root user, with mlinfra as entrypoint', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(__dirname, '..', '..', '..', '..', 'Dockerfile'), 'utf8');
    const from = [...text.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const image of from) expect(image).toMatch(/^node:20-[a-z]+-slim$/);
    const user = /^USER (\S+)/m.exec(text)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(/^ENTRYPOINT (.+)$/m.exec(text)?.[1]).toContain('/opt/mlinfra/dist/bin.js');
    // The runtime stage copies the deployed CLI from the build stage, not the sources.
    expect(text).toMatch(/COPY --from=build[^\n]* \/out \/opt\/mlinfra/);
    // Manifests run the same uid the image declares.
    const { RUN_AS_USER } = await import('./workload.js');
    expect(user!.split(':')[0]).toBe(String(RUN_AS_USER));
  });
});
