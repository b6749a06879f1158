import {
  CONFIG_PATH,
  configMapOf,
  configVolume,
  type Manifest,
  metadataOf,
  mlinfraContainer,
  podSpecOf,
  type WorkloadOptions,
} from './workload.js';

/** Options of the `train` target. */
export interface TrainDeployOptions extends WorkloadOptions {
  /** The `mlinfra train` config file's text (JSON), shipped in a ConfigMap. */
  config: string;
  /** Checkpoint name: every retried pod resumes from the newest checkpoint under it. */
  checkpointName: string;
  /** Pod failures (not preemptions) tolerated before the Job fails. */
  backoffLimit: number;
  /** Seconds the trainer has after SIGTERM to write its checkpoint. */
  checkpointSeconds: number;
  /** Ask for spot/preemptible nodes (a toleration and node affinity commonly used by clouds). */
  spot: boolean;
  /** GPUs per pod (`nvidia.com/gpu`); 0 for CPU training. */
  gpus: number;
}

/** What a training pod needs beyond the common workload options. */
export type TrainingPodOptions = WorkloadOptions &
  Pick<TrainDeployOptions, 'checkpointSeconds' | 'spot' | 'gpus'>;

/** The file name of the training config inside the ConfigMap. */
export const TRAIN_CONFIG_FILE = 'train.json';

/** Scheduling on spot capacity: tolerate the common spot taints, prefer spot nodes. */
function spotScheduling(): Record<string, unknown> {
  return {
    tolerations: [
      { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      {
        key: 'kubernetes.azure.com/scalesetpriority',
        operator: 'Equal',
        value: 'spot',
        effect: 'NoSchedule',
      },
      {
        key: 'eks.amazonaws.com/capacityType',
        operator: 'Equal',
        value: 'SPOT',
        effect: 'NoSchedule',
      },
    ],
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            preference: {
              matchExpressions: [
                { key: 'eks.amazonaws.com/capacityType', operator: 'In', values: ['SPOT'] },
              ],
            },
          },
        ],
      },
    },
  };
}

/**
 * A pod template for one `mlinfra` training process: the config from the ConfigMap, a grace
 * period long enough to write a checkpoint after SIGTERM, and `restartPolicy: Never` so the Job
 * controller (not the kubelet) retries it.
 */
export function trainingPodSpec(
  options: TrainingPodOptions,
  args: string[],
  env: Record<string, string>[] = [],
): Record<string, unknown> {
  const config = configVolume(options);
  const resources =
    options.gpus > 0
      ? {
          resources: {
            requests: { cpu: options.cpu, memory: options.memory },
            limits: { cpu: options.cpu, memory: options.memory, 'nvidia.com/gpu': options.gpus },
          },
        }
      : {};
  return podSpecOf(
    [
      mlinfraContainer(options, 'trainer', args, {
        env,
        volumeMounts: [config.mount],
        ...resources,
      }),
    ],
    {
      volumes: [config.volume],
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: options.checkpointSeconds,
      ...(options.spot ? spotScheduling() : {}),
    },
  );
}

/**
 * Preemptions and node drains (pod condition `DisruptionTarget`) do not count against the
 * Job's `backoffLimit`: a preempted pod is simply retried and resumes from its checkpoint.
 */
export const PREEMPTION_POLICY = {
  rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
};

/**
 * A training Job that survives spot preemption: SIGTERM makes `mlinfra train` write a
 * checkpoint and exit; the retried pod runs `mlinfra train --resume <name>`, which continues from
 * the newest checkpoint in the shared store (or starts fresh when there is none). The budget in
 * the config file is charged from every attempt.
 */
export function trainManifests(options: TrainDeployOptions): Manifest[] {
  const args = ['train', `${CONFIG_PATH}/${TRAIN_CONFIG_FILE}`, '--resume', options.checkpointName];
  return [
    configMapOf(options, 'training', { [TRAIN_CONFIG_FILE]: options.config }),
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadataOf(options, 'training'),
      spec: {
        backoffLimit: options.backoffLimit,
        podFailurePolicy: PREEMPTION_POLICY,
        template: {
          metadata: { labels: metadataOf(options, 'training').labels },
          spec: trainingPodSpec(options, args),
        },
      },
    },
  ];
}
