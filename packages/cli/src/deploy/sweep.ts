import { PREEMPTION_POLICY, type TrainDeployOptions, trainingPodSpec } from './training.js';
import { CONFIG_PATH, configMapOf, type Manifest, metadataOf } from './workload.js';

/** Options of the `sweep` target. */
export interface SweepDeployOptions extends Omit<TrainDeployOptions, 'config' | 'checkpointName'> {
  /** The sweep config's text (JSON), with `train` naming `train.json` beside it. */
  sweep: string;
  /** The base training config's text (JSON). */
  train: string;
  /** Number of trials (completions of the Indexed Job). */
  trials: number;
  /** Trials running at once. */
  parallelism: number;
  /** Seconds the best-run Job waits for every trial to finish. */
  waitSeconds: number;
  /** Extra arguments of `mlinfra sweep best` (e.g. `--register weather --alias candidate`). */
  bestArgs: string[];
}

/** File names of the sweep's configs inside the ConfigMap. */
export const SWEEP_CONFIG_FILE = 'sweep.json';

/**
 * An Indexed Job whose completion index selects one trial (`mlinfra sweep trial`, reading
 * `JOB_COMPLETION_INDEX`), each logging to the shared registry and checkpointing under its own
 * name, and a Job that waits for the trials and picks the best run (`mlinfra sweep best`).
 */
export function sweepManifests(options: SweepDeployOptions): Manifest[] {
  const trialsName = `${options.name}-trials`;
  const bestName = `${options.name}-best`;
  const sweepPath = `${CONFIG_PATH}/${SWEEP_CONFIG_FILE}`;
  return [
    configMapOf(options, 'sweep', {
      [SWEEP_CONFIG_FILE]: options.sweep,
      'train.json': options.train,
    }),
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadataOf(options, 'sweep-trials', trialsName),
      spec: {
        completionMode: 'Indexed',
        completions: options.trials,
        parallelism: Math.min(options.parallelism, options.trials),
        backoffLimitPerIndex: options.backoffLimit,
        podFailurePolicy: PREEMPTION_POLICY,
        template: {
          metadata: { labels: metadataOf(options, 'sweep-trials').labels },
          spec: trainingPodSpec(options, ['sweep', 'trial', sweepPath]),
        },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadataOf(options, 'sweep-best', bestName),
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { labels: metadataOf(options, 'sweep-best').labels },
          spec: trainingPodSpec({ ...options, gpus: 0 }, [
            'sweep',
            'best',
            sweepPath,
            '--wait',
            String(options.waitSeconds),
            ...options.bestArgs,
          ]),
        },
      },
    },
  ];
}
