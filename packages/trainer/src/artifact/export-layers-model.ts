import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Digest, Store } from '@mlinfra/core';
import { readModelManifest } from './load-model.js';

/** What {@link exportLayersModel} wrote. */
export interface ExportedLayersModel {
  /** Absolute path of `model.json`. */
  modelJsonPath: string;
  /** Absolute paths of every file written (model.json first, then the weight shards). */
  files: string[];
}

/**
 * Writes an artifact as a plain tfjs layers folder (`model.json` + weight shards), loadable by
 * stock `tf.loadLayersModel` (over HTTP, or `file://` with tfjs-node). Each file is written
 * atomically and verified against its digest. The folder is created if missing.
 *
 * @throws NotFoundError, IntegrityError, ValidationError as {@link loadModelArtifact}.
 */
export async function exportLayersModel(
  store: Store,
  id: string,
  folder: string,
): Promise<ExportedLayersModel> {
  const manifest = await readModelManifest(store, id);
  const target = resolve(folder);
  await mkdir(target, { recursive: true });
  const files: string[] = [];
  for (const file of [manifest.modelJson, ...manifest.weights]) {
    const path = join(target, file.path);
    await store.getFile(file.digest, path);
    files.push(path);
  }
  return { modelJsonPath: files[0] as string, files };
}

/** Every blob digest an artifact uses (manifest first), e.g. for `store.gc({ keep })`. */
export async function modelArtifactDigests(store: Store, id: string): Promise<Digest[]> {
  const manifest = await readModelManifest(store, id);
  return [id as Digest, manifest.modelJson.digest, ...manifest.weights.map((file) => file.digest)];
}
