import { randomUUID } from 'node:crypto';
import { ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { RegistryContext } from '../internal/context.js';
import { assertKey, assertName, assertTags, parseOptions } from '../internal/validate.js';
import type { JsonValue, ParamValue } from '../types.js';
import { Run } from './run.js';
import { encodeParam } from './run-queries.js';

/** Options of {@link Registry.startRun}. */
export interface StartRunOptions {
  /** Experiment name; created on first use. Default `"default"`. */
  experiment?: string;
  /** Display name of the run (not unique). */
  name?: string;
  /** Initial parameters (immutable). */
  params?: Record<string, ParamValue>;
  /** Initial tags. */
  tags?: Record<string, string>;
  /** Dataset version ids the run trains on (for lineage). */
  inputs?: string[];
  /** Commit hash or other code version. */
  codeVersion?: string;
}

const startRunSchema = z.strictObject({
  experiment: z.string().optional(),
  name: z.string().min(1).max(250).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(z.string().min(1).max(1000)).optional(),
  codeVersion: z.string().min(1).max(250).optional(),
});

/** Starts a run (creating its experiment on first use). @throws ValidationError. */
export async function startRun(
  context: RegistryContext,
  options: StartRunOptions = {},
): Promise<Run> {
  const checked = parseOptions(startRunSchema, options, 'startRun() options');
  const experiment = assertName(checked.experiment ?? 'default', 'experiment');
  const tags = assertTags(checked.tags ?? {}, 'run');
  const params = Object.entries(checked.params ?? {}).map(([key, value]) => {
    assertKey(key, 'param');
    if (
      !(
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      )
    ) {
      throw new ValidationError(
        `Param "${key}" must be a string, finite number or boolean; JSON.stringify objects first`,
      );
    }
    return [key, encodeParam(value)] as const;
  });
  const inputs = [...new Set(checked.inputs ?? [])];
  const id = randomUUID().replaceAll('-', '');
  const now = Date.now();
  await context.driver.transaction('write', async (executor) => {
    const created = await executor.run(
      'INSERT INTO experiments (name, description, tags, created_at) VALUES (?, NULL, ?, ?) ON CONFLICT (name) DO NOTHING',
      [experiment, '{}', now],
    );
    if (created.changes > 0)
      await context.audit(executor, {
        action: 'experiment.created',
        details: { name: experiment },
      });
    await executor.run(
      `INSERT INTO runs (id, experiment, name, status, code_version, started_at, ended_at, created_by)
       VALUES (?, ?, ?, 'running', ?, ?, NULL, ?)`,
      [id, experiment, checked.name ?? null, checked.codeVersion ?? null, now, context.actor],
    );
    for (const [key, { text, type }] of params) {
      await executor.run('INSERT INTO run_params (run_id, key, value, type) VALUES (?, ?, ?, ?)', [
        id,
        key,
        text,
        type,
      ]);
    }
    for (const [key, value] of Object.entries(tags)) {
      await executor.run('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)', [
        id,
        key,
        value,
      ]);
    }
    for (const dataset of inputs) {
      await executor.run('INSERT INTO run_inputs (run_id, dataset) VALUES (?, ?)', [id, dataset]);
    }
    const details: Record<string, JsonValue> = { experiment, inputs };
    if (checked.name !== undefined) details.name = checked.name;
    await context.audit(executor, { action: 'run.started', runId: id, details });
  });
  context.changed();
  return new Run(context, id, experiment);
}
