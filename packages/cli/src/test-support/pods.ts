import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Running, startMlinfra } from './bin.js';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Doc = Record<string, any>;

/** A stand-in for a cluster: the Secret's values, the ConfigMaps, and a folder per pod. */
export interface LocalCluster {
  /** Root folder: pods' scratch, config and data folders live under it. */
  root: string;
  /** The Secret's data, given to every container as environment variables. */
  secret: Record<string, string>;
  /** The data volume's folder (`/data`). */
  data: string;
}

/**
 * Runs a container of a generated manifest as a local process, the way the kubelet would: its
 * `args` after the image's `mlinfra` entrypoint, its `env` plus the Secret (envFrom), with the
 * mounted paths (`/config`, `/data`, `/tmp`) mapped to folders of this pod.
 */
export async function startContainer(
  cluster: LocalCluster,
  container: Doc,
  options: {
    configMap?: Doc;
    env?: Record<string, string>;
    /** Template variables to replace in args (`{{workflow.parameters.x}}`). */
    variables?: Record<string, string>;
    /** Argument rewrites, e.g. a free port for `--port`. */
    rewrite?: (args: string[]) => string[];
  } = {},
): Promise<Running & { scratch: string }> {
  const pod = await mkdtemp(join(cluster.root, 'pod-'));
  const scratch = join(pod, 'tmp');
  const config = join(pod, 'config');
  await mkdir(scratch, { recursive: true });
  await mkdir(config, { recursive: true });
  for (const [name, text] of Object.entries(options.configMap?.data ?? {})) {
    await writeFile(join(config, name), text as string);
  }
  const mounts: Record<string, string> = { config, data: cluster.data, tmp: scratch };
  const mapPath = (value: string) =>
    value.replace(/^\/(config|data|tmp)\//, (_whole, mount: string) => `${mounts[mount]}/`);
  const substitute = (value: string) =>
    value.replace(/\{\{([^}]+)\}\}/g, (whole, name: string) => {
      const replacement = options.variables?.[name.trim()];
      if (replacement === undefined) throw new Error(`No value for ${whole} in ${value}`);
      return replacement;
    });
  const args = (container.args as string[]).map((arg) => mapPath(substitute(arg)));
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, ...cluster.secret };
  for (const variable of container.env ?? []) env[variable.name] = mapPath(variable.value);
  Object.assign(env, options.env);
  return { ...startMlinfra(options.rewrite?.(args) ?? args, { cwd: pod, env }), scratch };
}
