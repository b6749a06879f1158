import {
  labelsOf,
  type Manifest,
  metadataOf,
  mlinfraContainer,
  podSpecOf,
  type WorkloadOptions,
} from './workload.js';

/** Options of the `serving` target. */
export interface ServingDeployOptions extends WorkloadOptions {
  /** Model references to serve, e.g. `weather@champion` (followed as the alias moves). */
  models: string[];
  /** Replicas at rest; the HorizontalPodAutoscaler scales between this and `maxReplicas`. */
  replicas: number;
  /** Most replicas the autoscaler may add. */
  maxReplicas: number;
  /** CPU utilisation (percent of the request) the autoscaler aims at. */
  targetCpuPercent: number;
  /** Container port of the server. */
  port: number;
  /** How long the server lets in-flight requests finish after SIGTERM, in seconds. */
  drainSeconds: number;
  /**
   * Seconds the server keeps accepting and answering requests after SIGTERM, with readiness
   * already failing, so Services and load balancers stop routing to it before it stops listening.
   */
  shutdownDelaySeconds: number;
}

/** The container port's name, used by the Service and the ServiceMonitor. */
const PORT_NAME = 'http';

/** Seconds of slack past the drain, for the prediction log's flush and model unload. */
const FLUSH_SECONDS = 10;

/** `terminationGracePeriodSeconds` of a server: delay + drain + flush, always above the drain. */
export function terminationGraceOf(options: ServingDeployOptions): number {
  return options.shutdownDelaySeconds + options.drainSeconds + FLUSH_SECONDS;
}

/** The `mlinfra serve` container (shared by the Deployment and the KServe runtime). */
export function serveArgs(
  options: Pick<ServingDeployOptions, 'port' | 'drainSeconds' | 'shutdownDelaySeconds'>,
): string[] {
  return [
    'serve',
    '--host',
    '0.0.0.0',
    '--port',
    String(options.port),
    '--shutdown-delay-ms',
    String(options.shutdownDelaySeconds * 1000),
    '--drain-grace-ms',
    String(options.drainSeconds * 1000),
  ];
}

/** Liveness and readiness probes on the KServe V2 health routes. */
export function probesOf(port: number | string): Record<string, unknown> {
  return {
    readinessProbe: {
      httpGet: { path: '/v2/health/ready', port },
      periodSeconds: 5,
      failureThreshold: 2,
    },
    livenessProbe: {
      httpGet: { path: '/v2/health/live', port },
      periodSeconds: 10,
      failureThreshold: 3,
    },
    startupProbe: {
      httpGet: { path: '/v2/health/live', port },
      periodSeconds: 2,
      failureThreshold: 60,
    },
  };
}

/**
 * Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget and ServiceMonitor of a model
 * server that follows its model references (new versions roll out by moving the alias).
 */
export function servingManifests(options: ServingDeployOptions): Manifest[] {
  const component = 'serving';
  const selector = {
    'app.kubernetes.io/instance': options.name,
    'app.kubernetes.io/component': component,
  };
  const container = mlinfraContainer(
    options,
    'server',
    [...serveArgs(options).slice(0, 1), ...options.models, ...serveArgs(options).slice(1)],
    {
      ports: [{ name: PORT_NAME, containerPort: options.port, protocol: 'TCP' }],
      ...probesOf(PORT_NAME),
    },
  );
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadataOf(options, component),
      spec: {
        replicas: options.replicas,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: labelsOf(options, component),
            annotations: { 'mlinfra.dev/models': options.models.join(',') },
          },
          spec: podSpecOf([container], {
            terminationGracePeriodSeconds: terminationGraceOf(options),
          }),
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadataOf(options, component),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: PORT_NAME, port: 80, targetPort: PORT_NAME, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: metadataOf(options, component),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: options.name },
        minReplicas: options.replicas,
        maxReplicas: Math.max(options.replicas, options.maxReplicas),
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: options.targetCpuPercent },
            },
          },
        ],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadataOf(options, component),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: metadataOf(options, component),
      spec: {
        selector: { matchLabels: selector },
        endpoints: [{ port: PORT_NAME, path: '/metrics', interval: '30s' }],
      },
    },
  ];
}
