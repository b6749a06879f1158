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

/** Options of the `pipeline` target. */
export interface PipelineDeployOptions extends WorkloadOptions {
  /** The `mlinfra train` config's text (JSON); it must have `register.model`. */
  train: string;
  /** Promotion gates (JSON array) checked by the evaluate and promote steps. */
  gates: string;
  /** Expectations (JSON array) the committed data must meet; none when undefined. */
  expectations?: string;
  /** Dataset name the data is committed to. */
  dataset: string;
  /** Model the trained version is registered under (the train config's `register.model`). */
  model: string;
  /** Alias the pipeline promotes to. */
  alias: string;
  /** PersistentVolumeClaim holding the input files, mounted at `/data`. */
  dataClaim: string;
}

/** Where the data volume is mounted in the steps. */
export const DATA_PATH = '/data';

/** Where a step writes its JSON result (`mlinfra --result`), read back as an output parameter. */
const RESULT_PATH = '/tmp/result.json';

/**
 * An Argo Workflows `WorkflowTemplate`: commit -> validate -> train -> evaluate -> promote, each
 * step one `mlinfra` command. A non-zero exit code fails its step and so the workflow: invalid
 * data (4), drift against the reference (10), a budget spent (6), gates refused (5).
 */
export function pipelineManifests(options: PipelineDeployOptions): Manifest[] {
  const config = configVolume(options);
  const files: Record<string, string> = {
    'train.json': options.train,
    'gates.json': options.gates,
  };
  if (options.expectations !== undefined) files['expectations.json'] = options.expectations;
  const parameter = (name: string) => `{{workflow.parameters.${name}}}`;
  const tag = 'pipeline-{{workflow.name}}';
  const step = (
    name: string,
    args: string[],
    { outputs = false, inputs = [] as string[] } = {},
  ): Record<string, unknown> => ({
    name,
    ...(inputs.length === 0
      ? {}
      : { inputs: { parameters: inputs.map((input) => ({ name: input })) } }),
    container: mlinfraContainer(
      options,
      'main',
      [...args, ...(outputs ? ['--result', RESULT_PATH] : [])],
      {
        volumeMounts: [config.mount, { name: 'data', mountPath: DATA_PATH, readOnly: true }],
      },
    ),
    ...(outputs
      ? { outputs: { parameters: [{ name: 'result', valueFrom: { path: RESULT_PATH } }] } }
      : {}),
  });
  const versionArgument = {
    parameters: [
      {
        name: 'version',
        value: "{{=jsonpath(steps.train.outputs.parameters.result, '$.registered.version')}}",
      },
    ],
  };
  const version = '{{inputs.parameters.version}}';
  const pod = podSpecOf([], {
    volumes: [
      config.volume,
      { name: 'data', persistentVolumeClaim: { claimName: options.dataClaim, readOnly: true } },
    ],
  });
  const {
    containers: _containers,
    volumes,
    securityContext,
  } = pod as {
    containers: unknown;
    volumes: unknown[];
    securityContext: unknown;
  };
  return [
    configMapOf(options, 'pipeline', files),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: metadataOf(options, 'pipeline'),
      spec: {
        entrypoint: 'pipeline',
        arguments: {
          parameters: [
            { name: 'dataset', value: options.dataset },
            { name: 'source', value: `${DATA_PATH}/input.csv` },
            { name: 'reference', value: 'main' },
            { name: 'model', value: options.model },
            { name: 'alias', value: options.alias },
          ],
        },
        securityContext,
        volumes,
        templates: [
          {
            name: 'pipeline',
            steps: [
              [{ name: 'commit', template: 'commit' }],
              [{ name: 'validate', template: 'validate' }],
              [{ name: 'train', template: 'train' }],
              [{ name: 'evaluate', template: 'evaluate', arguments: versionArgument }],
              [{ name: 'promote', template: 'promote', arguments: versionArgument }],
            ],
          },
          step('commit', [
            'datasets',
            'commit',
            parameter('dataset'),
            parameter('source'),
            '--tag',
            tag,
            '--message',
            'pipeline {{workflow.name}}',
            ...(options.expectations === undefined
              ? []
              : ['--expect', `${CONFIG_PATH}/expectations.json`]),
          ]),
          step('validate', [
            'drift',
            'report',
            '--reference',
            `dataset:${parameter('dataset')}@${parameter('reference')}`,
            '--current',
            `dataset:${parameter('dataset')}@${tag}`,
            '--fail-on-drift',
          ]),
          step('train', ['train', `${CONFIG_PATH}/train.json`, '--ref', tag], { outputs: true }),
          // Evaluate checks the gates without moving the alias; promote moves it through them.
          ...(['evaluate', 'promote'] as const).map((name) =>
            step(
              name,
              [
                ...['models', 'promote', parameter('model'), version, parameter('alias')],
                ...['--gates', `${CONFIG_PATH}/gates.json`],
                ...(name === 'evaluate' ? ['--dry-run'] : []),
              ],
              { inputs: ['version'] },
            ),
          ),
        ],
      },
    },
  ];
}
