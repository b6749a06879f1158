import { ConflictError, NotFoundError } from '@mlinfra/core';
import type { RegistryContext } from '../internal/context.js';
import { describedSchema } from '../internal/option-schemas.js';
import { assertName, assertTags, parseOptions } from '../internal/validate.js';
import type { Experiment } from '../types.js';

interface ExperimentRow {
  name: string;
  description: string | null;
  tags: string;
  created_at: number;
}

function experimentFromRow(row: ExperimentRow): Experiment {
  const experiment: Experiment = {
    name: row.name,
    tags: JSON.parse(row.tags) as Record<string, string>,
    createdAt: new Date(Number(row.created_at)),
  };
  if (row.description !== null) experiment.description = row.description;
  return experiment;
}

/** Creates an experiment. @throws ConflictError when it exists. */
export async function createExperiment(
  context: RegistryContext,
  name: string,
  options: { description?: string; tags?: Record<string, string> } = {},
): Promise<Experiment> {
  assertName(name, 'experiment');
  parseOptions(describedSchema, options, 'createExperiment() options');
  const tags = assertTags(options.tags ?? {}, 'experiment');
  const createdAt = Date.now();
  await context.driver.transaction('write', async (executor) => {
    const result = await executor.run(
      'INSERT INTO experiments (name, description, tags, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
      [name, options.description ?? null, JSON.stringify(tags), createdAt],
    );
    if (result.changes === 0) {
      throw new ConflictError(
        `Experiment "${name}" already exists; use getExperiment("${name}") or another name`,
      );
    }
    await context.audit(executor, { action: 'experiment.created', details: { name } });
  });
  context.changed();
  const experiment: Experiment = { name, tags, createdAt: new Date(createdAt) };
  if (options.description !== undefined) experiment.description = options.description;
  return experiment;
}

/** An experiment by name. @throws NotFoundError. */
export async function getExperiment(context: RegistryContext, name: string): Promise<Experiment> {
  assertName(name, 'experiment');
  const row = await context.driver.get<ExperimentRow>('SELECT * FROM experiments WHERE name = ?', [
    name,
  ]);
  if (row === undefined) {
    throw new NotFoundError(
      `Experiment "${name}" does not exist; startRun({ experiment: "${name}" }) creates it`,
    );
  }
  return experimentFromRow(row);
}

/** Every experiment, by name. */
export async function listExperiments(context: RegistryContext): Promise<Experiment[]> {
  const rows = await context.driver.all<ExperimentRow>('SELECT * FROM experiments ORDER BY name');
  return rows.map(experimentFromRow);
}
