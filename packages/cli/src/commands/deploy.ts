import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ValidationError } from '@mlinfra/core';
import {
  type Command,
  numberOption,
  type OptionSpec,
  type OptionValues,
  stringOption,
} from '../cli/command.js';
import { EXIT_CODES, type ExitCode, UsageError } from '../cli/errors.js';
import { type CommandContext, progress } from '../cli/output.js';
import { kserveManifests } from '../deploy/kserve.js';
import { pipelineManifests } from '../deploy/pipeline.js';
import { renderManifests } from '../deploy/render.js';
import { type ServingDeployOptions, servingManifests } from '../deploy/serving.js';
import { sweepManifests } from '../deploy/sweep.js';
import { type TrainDeployOptions, trainManifests } from '../deploy/training.js';
import type { Manifest, WorkloadOptions } from '../deploy/workload.js';
import { trialCount } from '../sweep/trials.js';
import { readJsonFile } from './datasets.js';
import { loadSweep, REGISTER_BEST } from './sweep.js';
import { parseConfig } from './train.js';

declare const __CLI_VERSION__: string | undefined;
const DEFAULT_IMAGE = `ghcr.io/mlinfra/mlinfra:${typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : 'latest'}`;

const NAME = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;

const COMMON: Record<string, OptionSpec> = {
  name: {
    type: 'string',
    value: '<name>',
    description: 'name of the objects (lowercase, digits, -; default from the model or config)',
  },
  namespace: {
    type: 'string',
    value: '<ns>',
    description: 'namespace (default: none, kubectl picks the current one)',
  },
  image: {
    type: 'string',
    value: '<image>',
    description: `container image with mlinfra as entrypoint (default ${DEFAULT_IMAGE})`,
  },
  secret: {
    type: 'string',
    value: '<name>',
    description:
      'Secret with MLINFRA_STORE, MLINFRA_DATABASE_URL, AWS_* and MLINFRA_TOKEN (default mlinfra)',
  },
  cpu: { type: 'string', value: '<cpu>', description: 'CPU request and limit (default 1)' },
  memory: {
    type: 'string',
    value: '<bytes>',
    description: 'memory request and limit (default 1Gi)',
  },
  out: {
    type: 'string',
    short: 'o',
    value: '<file.yaml>',
    description: 'write the YAML to this file (default stdout)',
  },
};

const SERVING: Record<string, OptionSpec> = {
  model: {
    type: 'string',
    multiple: true,
    value: '<name@alias>',
    description: 'model to serve, followed as its alias moves (repeatable, required)',
  },
  replicas: {
    type: 'string',
    value: '<n>',
    description: 'replicas at rest, the autoscaler minimum (default 2)',
  },
  'max-replicas': { type: 'string', value: '<n>', description: 'autoscaler maximum (default 10)' },
  'target-cpu': {
    type: 'string',
    value: '<percent>',
    description: 'CPU utilisation the autoscaler aims at (default 70)',
  },
  port: { type: 'string', value: '<n>', description: 'container port (default 8080)' },
  'drain-seconds': {
    type: 'string',
    value: '<s>',
    description: 'in-flight requests get this long after SIGTERM (default 30)',
  },
  'shutdown-delay-seconds': {
    type: 'string',
    value: '<s>',
    description:
      'after SIGTERM keep serving this long with readiness failing, while endpoints update (default 5)',
  },
};

const TRAINING: Record<string, OptionSpec> = {
  config: { type: 'string', value: '<file.json>', description: 'the config file (required)' },
  gpus: { type: 'string', value: '<n>', description: 'nvidia.com/gpu per pod (default 0)' },
  spot: {
    type: 'boolean',
    description: 'schedule on spot/preemptible nodes (preemptions are retried, not failures)',
  },
  'backoff-limit': {
    type: 'string',
    value: '<n>',
    description: 'failed pods (not preemptions) allowed before the Job fails (default 3)',
  },
  'checkpoint-seconds': {
    type: 'string',
    value: '<s>',
    description: 'grace after SIGTERM to write a checkpoint (default 120)',
  },
};

function common(options: OptionValues, fallbackName: string): WorkloadOptions {
  const name =
    stringOption(options, 'name') ??
    fallbackName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 52);
  if (!NAME.test(name)) {
    throw new UsageError(
      `--name must be a DNS label (lowercase letters, digits and -, at most 52 characters); got ${JSON.stringify(name)}`,
    );
  }
  const namespace = stringOption(options, 'namespace');
  if (namespace !== undefined && !NAME.test(namespace)) {
    throw new UsageError(`--namespace must be a DNS label; got ${JSON.stringify(namespace)}`);
  }
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    image: stringOption(options, 'image') ?? DEFAULT_IMAGE,
    secret: stringOption(options, 'secret') ?? 'mlinfra',
    cpu: stringOption(options, 'cpu') ?? '1',
    memory: stringOption(options, 'memory') ?? '1Gi',
  };
}

function servingOptions(options: OptionValues): ServingDeployOptions {
  const models = (options.model as string[] | undefined) ?? [];
  if (models.length === 0)
    throw new UsageError(
      'Give the model to serve: --model <name@alias> (e.g. --model weather@champion)',
    );
  const first = models[0]!.split(/[@/]/)[0]!;
  return {
    ...common(options, first),
    models,
    replicas: numberOption(options, 'replicas', { integer: true, min: 1 }) ?? 2,
    maxReplicas: numberOption(options, 'max-replicas', { integer: true, min: 1 }) ?? 10,
    targetCpuPercent: numberOption(options, 'target-cpu', { integer: true, min: 1 }) ?? 70,
    port: numberOption(options, 'port', { integer: true, min: 1 }) ?? 8080,
    drainSeconds: numberOption(options, 'drain-seconds', { integer: true, min: 0 }) ?? 30,
    shutdownDelaySeconds:
      numberOption(options, 'shutdown-delay-seconds', { integer: true, min: 0 }) ?? 5,
  };
}

function configFile(options: OptionValues): string {
  const file = stringOption(options, 'config');
  if (file === undefined) throw new UsageError('Give the config file: --config <file.json>');
  return file;
}

function trainingOptions(options: OptionValues, fallbackName: string) {
  return {
    ...common(options, fallbackName),
    gpus: numberOption(options, 'gpus', { integer: true, min: 0 }) ?? 0,
    spot: options.spot === true,
    backoffLimit: numberOption(options, 'backoff-limit', { integer: true, min: 0 }) ?? 3,
    checkpointSeconds:
      numberOption(options, 'checkpoint-seconds', { integer: true, min: 1 }) ?? 120,
  };
}

async function output(
  context: CommandContext,
  options: OptionValues,
  manifests: Manifest[],
  argv: string,
): Promise<ExitCode> {
  const yaml = renderManifests(manifests, `mlinfra deploy ${argv}`);
  const out = stringOption(options, 'out');
  if (out === undefined) {
    context.io.stdout(yaml);
  } else {
    await writeFile(resolve(context.io.cwd, out), yaml);
    progress(
      context,
      `Wrote ${manifests.length} objects to ${out}; apply with: kubectl apply -f ${out}`,
    );
  }
  return EXIT_CODES.ok;
}

/** `deploy serving` and `deploy kserve`: the same options, other objects. */
function servingTarget(
  target: 'serving' | 'kserve',
  summary: string,
  details: string,
  build: (settings: ServingDeployOptions) => Manifest[],
): Command {
  return {
    path: ['deploy', target],
    args: [],
    summary,
    details,
    options: { ...SERVING, ...COMMON },
    async run(context, _args, options) {
      const settings = servingOptions(options);
      return output(
        context,
        options,
        build(settings),
        `${target} --model ${settings.models.join(' --model ')}`,
      );
    },
  };
}

const serving = servingTarget(
  'serving',
  'Kubernetes YAML for a model server: Deployment, Service, HPA, PodDisruptionBudget, ServiceMonitor.',
  `The server follows the model reference (name@alias): moving the alias rolls the new version out
without a redeploy. Probes: /v2/health/live and /v2/health/ready. terminationGracePeriodSeconds is
shutdown delay + drain + 10 s, so in-flight requests finish before the kubelet kills the pod.

Example:
  mlinfra deploy serving --model weather@champion --namespace ml -o serving.yaml && kubectl apply -f serving.yaml`,
  servingManifests,
);

const kserve = servingTarget(
  'kserve',
  'KServe YAML: a ServingRuntime (protocol v2) running mlinfra serve, and an InferenceService using it.',
  `Teams on KServe get mlinfra's batching, canary and prediction log inside KServe. The model comes
from the shared registry (MLINFRA_MODELS in the InferenceService), not from a storageUri.

Example:
  mlinfra deploy kserve --model weather@champion -o kserve.yaml`,
  kserveManifests,
);

const train: Command = {
  path: ['deploy', 'train'],
  args: [],
  summary:
    'A Kubernetes Job that trains from a config and survives spot preemption (checkpoint, resume).',
  details: `SIGTERM (preemption, drain) makes mlinfra train write a checkpoint to the shared store and exit;
the Job retries the pod, which resumes from the newest checkpoint. Preemptions do not count against
--backoff-limit. The config's budget is charged from every attempt.

Example:
  mlinfra deploy train --config train.json --spot -o train-job.yaml`,
  options: { ...TRAINING, ...COMMON },
  async run(context, _args, options) {
    const file = configFile(options);
    const value = await readJsonFile(context, file, 'Training config');
    const config = parseConfig(value, file);
    const settings: TrainDeployOptions = {
      ...trainingOptions(options, `train-${config.experiment}`),
      config: `${JSON.stringify(value, null, 2)}\n`,
      checkpointName:
        config.checkpoint.name ?? `jobs/${config.experiment}/${basename(file, '.json')}`,
    };
    return output(context, options, trainManifests(settings), `train --config ${file}`);
  },
};

const sweep: Command = {
  path: ['deploy', 'sweep'],
  args: [],
  summary:
    'An Indexed Job running one sweep trial per completion index, and a Job picking the best run.',
  details: `Each pod runs mlinfra sweep trial with JOB_COMPLETION_INDEX choosing its trial; every trial logs to the
shared registry. The second Job waits for them (mlinfra sweep best --wait) and tags the best run.

Example:
  mlinfra deploy sweep --config sweep.json --parallelism 4 --register weather --alias candidate -o sweep.yaml`,
  options: {
    ...TRAINING,
    parallelism: {
      type: 'string',
      value: '<n>',
      description: 'trials running at once (default 4)',
    },
    wait: {
      type: 'string',
      value: '<s>',
      description: 'how long the best-run Job waits for the trials (default 86400)',
    },
    ...REGISTER_BEST,
    ...COMMON,
  },
  async run(context, _args, options) {
    const file = configFile(options);
    const { sweep: parsed, base: train } = await loadSweep(context, file);
    const register = stringOption(options, 'register');
    const alias = stringOption(options, 'alias');
    if (alias !== undefined && register === undefined)
      throw new UsageError('--alias needs --register <model>');
    return output(
      context,
      options,
      sweepManifests({
        ...trainingOptions(options, `sweep-${parsed.name}`),
        sweep: `${JSON.stringify({ ...parsed, train: 'train.json' }, null, 2)}\n`,
        train: `${JSON.stringify(train, null, 2)}\n`,
        trials: trialCount(parsed),
        parallelism: numberOption(options, 'parallelism', { integer: true, min: 1 }) ?? 4,
        waitSeconds: numberOption(options, 'wait', { integer: true, min: 0 }) ?? 86_400,
        bestArgs: [
          ...(register === undefined ? [] : ['--register', register]),
          ...(alias === undefined ? [] : ['--alias', alias]),
        ],
      }),
      `sweep --config ${file}`,
    );
  },
};

const pipeline: Command = {
  path: ['deploy', 'pipeline'],
  args: [],
  summary:
    'An Argo Workflows WorkflowTemplate: commit -> validate -> train -> evaluate -> promote.',
  details: `Each step is one mlinfra command; its exit code fails the workflow: invalid data (4), drift against
the reference data (10), budget spent (6), gates refused (5). Input files come from the
PersistentVolumeClaim --data-claim, mounted at /data (parameter source, default /data/input.csv).

Example:
  mlinfra deploy pipeline --config train.json --gates gates.json --data-claim weather-data -o pipeline.yaml
  argo submit --from workflowtemplate/weather-pipeline -p source=/data/2026-12.csv`,
  options: {
    config: TRAINING.config!,
    gates: {
      type: 'string',
      value: '<file.json>',
      description: 'promotion gates, a JSON array (required)',
    },
    expect: {
      type: 'string',
      value: '<file.json>',
      description: 'expectations the committed data must meet',
    },
    alias: {
      type: 'string',
      value: '<alias>',
      description: 'alias to promote to (default champion)',
    },
    'data-claim': {
      type: 'string',
      value: '<pvc>',
      description: 'PersistentVolumeClaim with the input files (default <name>-data)',
    },
    ...COMMON,
  },
  async run(context, _args, options) {
    const file = configFile(options);
    const value = await readJsonFile(context, file, 'Training config');
    const config = parseConfig(value, file);
    if (config.register === undefined) {
      throw new ValidationError(
        `Training config ${file} needs "register": { "model": "<name>" } for a pipeline that promotes`,
      );
    }
    const gatesFile = stringOption(options, 'gates');
    if (gatesFile === undefined)
      throw new UsageError('Give the promotion gates: --gates <file.json>');
    const gates = await readJsonFile(context, gatesFile, 'Gates file');
    if (!Array.isArray(gates))
      throw new ValidationError(`Gates file ${gatesFile} must hold a JSON array`);
    const expectFile = stringOption(options, 'expect');
    const expectations =
      expectFile === undefined
        ? undefined
        : await readJsonFile(context, expectFile, 'Expectations file');
    const { register: _register, ...rest } = value as Record<string, unknown>;
    const base = common(options, `${config.register.model}-pipeline`);
    return output(
      context,
      options,
      pipelineManifests({
        ...base,
        // The train step registers without promoting: the promote step does that, through the gates.
        train: `${JSON.stringify({ ...rest, register: { model: config.register.model } }, null, 2)}\n`,
        gates: `${JSON.stringify(gates, null, 2)}\n`,
        ...(expectations === undefined
          ? {}
          : { expectations: `${JSON.stringify(expectations, null, 2)}\n` }),
        dataset: config.dataset,
        model: config.register.model,
        alias: stringOption(options, 'alias') ?? 'champion',
        dataClaim: stringOption(options, 'data-claim') ?? `${base.name}-data`,
      }),
      `pipeline --config ${file}`,
    );
  },
};

/** `mlinfra deploy <target>`. */
export const deployCommands: Command[] = [serving, kserve, train, sweep, pipeline];
