import { ValidationError } from '@mlinfra/core';
import type { RegistryContext } from '../internal/context.js';
import { assertName, assertVersion } from '../internal/validate.js';
import { readVersion } from '../models/version-queries.js';
import { type RunRow, readRuns } from '../tracking/run-queries.js';
import type { ModelVersion, RunRecord } from '../types.js';

/** What {@link Registry.lineage} returns. */
export interface Lineage {
  /** The model version, with its aliases. */
  version: ModelVersion;
  /** The run that produced it, when one was given at registration. */
  run?: RunRecord;
  /** Dataset version ids the run trained on. */
  datasets: string[];
}

/** A model version trained on a dataset version (see {@link Registry.versionsTrainedOn}). */
export interface TrainedVersion {
  /** Model name. */
  name: string;
  /** Version number. */
  version: number;
  /** The run that trained it. */
  runId: string;
}

/** Where a version came from: its run, the run's dataset versions, and its aliases. @throws NotFoundError. */
export async function lineage(
  context: RegistryContext,
  name: string,
  version: number,
): Promise<Lineage> {
  assertName(name, 'model');
  assertVersion(version);
  return context.driver.transaction('read', async (executor) => {
    const found = await readVersion(executor, name, version);
    const result: Lineage = { version: found, datasets: [] };
    if (found.runId !== undefined) {
      const row = await executor.get<RunRow>('SELECT * FROM runs WHERE id = ?', [found.runId]);
      if (row !== undefined) {
        result.run = (await readRuns(executor, [row]))[0]!;
        result.datasets = result.run.inputs;
      }
    }
    return result;
  });
}

/** The reverse lineage question: which model versions were trained on a dataset version. */
export async function versionsTrainedOn(
  context: RegistryContext,
  datasetVersion: string,
): Promise<TrainedVersion[]> {
  if (typeof datasetVersion !== 'string' || datasetVersion.length === 0) {
    throw new ValidationError(
      'versionsTrainedOn() takes a dataset version id, as given in startRun({ inputs })',
    );
  }
  const rows = await context.driver.all<{ model: string; version: number; run_id: string }>(
    `SELECT v.model, v.version, v.run_id FROM run_inputs i JOIN model_versions v ON v.run_id = i.run_id
     WHERE i.dataset = ? ORDER BY v.model, v.version`,
    [datasetVersion],
  );
  return rows.map((row) => ({ name: row.model, version: Number(row.version), runId: row.run_id }));
}
