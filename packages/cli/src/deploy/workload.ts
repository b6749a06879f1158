/**
 * The parts every generated workload shares: labels, the container that runs `mlinfra`, its
 * configuration from the environment (a Secret), and a non-root, read-only security context.
 */

/** A Kubernetes object as plain data, ready to be written as YAML. */
export type Manifest = { apiVersion: string; kind: string; metadata: Metadata } & Record<
  string,
  unknown
>;

/** `metadata` of a generated object. */
export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** What every target takes. */
export interface WorkloadOptions {
  /** Name of the objects (and the `app.kubernetes.io/instance` label). */
  name: string;
  /** Namespace of the objects; none when omitted (kubectl's current namespace applies). */
  namespace?: string;
  /** Container image whose entrypoint is `mlinfra`. */
  image: string;
  /**
   * The Secret that holds the configuration, passed to the container as environment variables:
   * `MLINFRA_STORE`, `MLINFRA_DATABASE_URL`, S3 settings (`AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL_S3`) and `MLINFRA_TOKEN`.
   */
  secret: string;
  /** CPU request and limit, e.g. `500m`. */
  cpu: string;
  /** Memory request and limit, e.g. `1Gi`. */
  memory: string;
}

/** The user and group the image runs as (the `node` user of the official Node image). */
export const RUN_AS_USER = 1000;

/** Writable scratch space: the root file system is read-only. */
export const SCRATCH_PATH = '/tmp';

/** Labels of every object of one deployment. */
export function labelsOf(options: WorkloadOptions, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mlinfra',
    'app.kubernetes.io/instance': options.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'mlinfra-deploy',
  };
}

/** `metadata` with name, namespace and labels. */
export function metadataOf(
  options: WorkloadOptions,
  component: string,
  name = options.name,
): Metadata {
  return {
    name,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    labels: labelsOf(options, component),
  };
}

/**
 * The container running `mlinfra <args>`: configuration from the Secret, a local home under the
 * scratch volume for caches, a read-only root file system, no privilege escalation.
 */
export function mlinfraContainer(
  options: WorkloadOptions,
  name: string,
  args: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { env, ...rest } = extra as { env?: unknown[] };
  return {
    name,
    image: options.image,
    args,
    envFrom: [{ secretRef: { name: options.secret } }],
    env: [{ name: 'MLINFRA_HOME', value: `${SCRATCH_PATH}/mlinfra` }, ...(env ?? [])],
    resources: {
      requests: { cpu: options.cpu, memory: options.memory },
      limits: { cpu: options.cpu, memory: options.memory },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'scratch', mountPath: SCRATCH_PATH },
      ...((rest as { volumeMounts?: unknown[] }).volumeMounts ?? []),
    ],
    ...Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'volumeMounts')),
  };
}

/** Pod-level security and the scratch volume (plus `volumes`). */
export function podSpecOf(
  containers: Record<string, unknown>[],
  extra: { volumes?: unknown[] } & Record<string, unknown> = {},
): Record<string, unknown> {
  const { volumes, ...rest } = extra;
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      fsGroup: RUN_AS_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers,
    volumes: [{ name: 'scratch', emptyDir: {} }, ...(volumes ?? [])],
    ...rest,
  };
}

/** A ConfigMap holding config files, mounted read-only at `mountPath`. */
export function configMapOf(
  options: WorkloadOptions,
  component: string,
  files: Record<string, string>,
): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadataOf(options, component, `${options.name}-config`),
    data: files,
  };
}

/** Where config files from the ConfigMap appear in the container. */
export const CONFIG_PATH = '/config';

/** The volume and mount of the ConfigMap made by {@link configMapOf}. */
export function configVolume(options: WorkloadOptions): {
  volume: Record<string, unknown>;
  mount: Record<string, unknown>;
} {
  return {
    volume: { name: 'config', configMap: { name: `${options.name}-config` } },
    mount: { name: 'config', mountPath: CONFIG_PATH, readOnly: true },
  };
}
