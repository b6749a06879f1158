import { probesOf, type ServingDeployOptions, serveArgs, terminationGraceOf } from './serving.js';
import { type Manifest, metadataOf, mlinfraContainer } from './workload.js';

/** The model format name our ServingRuntime declares and our InferenceServices ask for. */
export const KSERVE_MODEL_FORMAT = 'mlinfra';

/** KServe requires its predictor container to be named this and to listen on 8080. */
const KSERVE_CONTAINER = 'kserve-container';
const KSERVE_PORT = 8080;

/**
 * A KServe `ServingRuntime` (protocol v2) running `mlinfra serve`, and an `InferenceService` that
 * uses it. The model reference travels as `MLINFRA_MODELS` in the InferenceService (KServe merges
 * environment variables by name), so one runtime serves any registered model; the server reads
 * the model from the shared registry instead of KServe's storage initializer (no `storageUri`).
 */
export function kserveManifests(options: ServingDeployOptions): Manifest[] {
  const runtimeName = `${options.name}-runtime`;
  const settings = { ...options, port: KSERVE_PORT };
  return [
    {
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ServingRuntime',
      metadata: metadataOf(options, 'kserve-runtime', runtimeName),
      spec: {
        supportedModelFormats: [{ name: KSERVE_MODEL_FORMAT, version: '1', autoSelect: true }],
        protocolVersions: ['v2'],
        multiModel: false,
        containers: [
          mlinfraContainer(options, KSERVE_CONTAINER, serveArgs(settings), {
            ports: [{ containerPort: KSERVE_PORT, protocol: 'TCP' }],
            ...probesOf(KSERVE_PORT),
          }),
        ],
        volumes: [{ name: 'scratch', emptyDir: {} }],
      },
    },
    {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        ...metadataOf(options, 'kserve'),
        annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment' },
      },
      spec: {
        predictor: {
          minReplicas: options.replicas,
          maxReplicas: Math.max(options.replicas, options.maxReplicas),
          terminationGracePeriodSeconds: terminationGraceOf(options),
          model: {
            modelFormat: { name: KSERVE_MODEL_FORMAT },
            runtime: runtimeName,
            protocolVersion: 'v2',
            env: [{ name: 'MLINFRA_MODELS', value: options.models.join(',') }],
            resources: {
              requests: { cpu: options.cpu, memory: options.memory },
              limits: { cpu: options.cpu, memory: options.memory },
            },
          },
        },
      },
    },
  ];
}
