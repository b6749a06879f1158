import { dirname, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '@mlinfra/core';
import type { RunRecord } from '@mlinfra/registry';
import { type Command, numberOption, type OptionSpec, stringOption } from '../cli/command.js';
import { EXIT_CODES, type ExitCode } from '../cli/errors.js';
import { withRegistry } from '../cli/home.js';
import { type CommandContext, emit, progress, table } from '../cli/output.js';
import { parseSweepConfig, type SweepConfig } from '../sweep/sweep-config.js';
import { trialCount, trialParameters, withParameters } from '../sweep/trials.js';
import { readJsonFile } from './datasets.js';
import { parseConfig, type TrainConfig, trainFromConfig } from './train.js';

const EXAMPLE = `{
  "name": "weather-lr", "train": "train.json", "search": "grid",
  "parameters": { "learningRate": [0.001, 0.01], "model.hidden": [[16], [32, 16]] },
  "objective": { "metric": "val_loss", "mode": "min" }
}`;

/** A sweep config and its base training config (inline, or a file beside the sweep file). */
export async function loadSweep(
  context: CommandContext,
  file: string,
): Promise<{ sweep: SweepConfig; base: Record<string, unknown> }> {
  const sweep = parseSweepConfig(await readJsonFile(context, file, 'Sweep config'), file);
  const base =
    typeof sweep.train === 'string'
      ? await readJsonFile(
          context,
          resolve(dirname(resolve(context.io.cwd, file)), sweep.train),
          'Training config',
        )
      : sweep.train;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new ValidationError(`The training config of sweep ${file} must be a JSON object`);
  }
  return { sweep, base: base as Record<string, unknown> };
}

/** The config of one trial: the base config with the trial's parameters, never registering. */
function trialConfig(
  sweep: SweepConfig,
  base: Record<string, unknown>,
  index: number,
): TrainConfig {
  const parameters = trialParameters(sweep, index);
  const { register: _register, ...rest } = withParameters(base, parameters);
  const config = parseConfig(rest, `${sweep.name} trial ${index}`);
  config.runName = `${sweep.name}-trial-${index}`;
  config.checkpoint.name = `sweeps/${sweep.name}/trial-${index}`;
  return config;
}

const trial: Command = {
  path: ['sweep', 'trial'],
  args: ['<sweep.json>'],
  summary:
    'Run one trial of a hyperparameter sweep: the one $JOB_COMPLETION_INDEX (or --trial) selects.',
  details: `Each trial trains the base config with its parameters, logs a run tagged with the sweep's name
and trial, and resumes from its own checkpoint when run again (a retried Kubernetes pod).
In an Indexed Job (mlinfra deploy sweep) Kubernetes sets JOB_COMPLETION_INDEX for each pod.

Example sweep config:
${EXAMPLE}

Examples:
  mlinfra sweep trial sweep.json --trial 0
  JOB_COMPLETION_INDEX=3 mlinfra sweep trial sweep.json`,
  options: {
    trial: {
      type: 'string',
      value: '<n>',
      description: 'trial index, 0-based (default $JOB_COMPLETION_INDEX)',
    },
  },
  async run(context, [file], options) {
    const { sweep, base } = await loadSweep(context, file!);
    const fromEnv = context.io.env.JOB_COMPLETION_INDEX;
    const index =
      numberOption(options, 'trial', { integer: true, min: 0 }) ??
      (fromEnv === undefined || fromEnv === '' ? undefined : Number(fromEnv));
    if (index === undefined || !Number.isInteger(index)) {
      throw new ValidationError(
        `Which trial? Pass --trial <n> or set JOB_COMPLETION_INDEX (0..${trialCount(sweep) - 1}); got ${JSON.stringify(fromEnv ?? null)}`,
      );
    }
    const config = trialConfig(sweep, base, index);
    progress(
      context,
      `sweep ${sweep.name}: trial ${index + 1}/${trialCount(sweep)} ${JSON.stringify(trialParameters(sweep, index))}`,
    );
    return trainFromConfig(context, config, {
      label: `${sweep.name}-trial-${index}`,
      file: file!,
      resume: config.checkpoint.name,
      tags: { sweep: sweep.name, trial: String(index) },
    });
  },
};

/** Finished trial runs of a sweep, newest first, one per trial index. */
async function finishedTrials(
  context: CommandContext,
  sweep: SweepConfig,
  experiment: string,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  await withRegistry(context, async (registry) => {
    let pageToken: string | undefined;
    do {
      const page = await registry.searchRuns({
        experiment,
        filter: `tags.sweep = '${sweep.name.replaceAll("'", "''")}' and status = 'finished'`,
        limit: 1000,
        ...(pageToken === undefined ? {} : { pageToken }),
      });
      runs.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  });
  const byTrial = new Map<string, RunRecord>();
  for (const run of runs) {
    const key = run.tags.trial ?? run.id;
    if (!byTrial.has(key)) byTrial.set(key, run);
  }
  return [...byTrial.values()];
}

/** `--register` and `--alias` of `sweep best` (and of `deploy sweep`, which passes them on). */
export const REGISTER_BEST: Record<string, OptionSpec> = {
  register: {
    type: 'string',
    value: '<model>',
    description: 'register the best run as a version of this model',
  },
  alias: {
    type: 'string',
    value: '<alias>',
    description: 'with --register: promote the best run to this alias',
  },
};

const best: Command = {
  path: ['sweep', 'best'],
  args: ['<sweep.json>'],
  summary: "Pick a sweep's best finished trial by its objective; tag it, optionally register it.",
  details: `Waits (--wait) until every trial has finished, then ranks them by the objective metric's latest
value. The best run gets the tag sweep.best=true. With --register <model> its model artifact is
registered as a new version (and promoted to --alias through --gates, exiting ${EXIT_CODES.conflict} when refused).

Examples:
  mlinfra sweep best sweep.json
  mlinfra sweep best sweep.json --wait 3600 --register weather --alias candidate`,
  options: {
    wait: {
      type: 'string',
      value: '<seconds>',
      description: 'wait up to this long for every trial to finish (default 0: rank what finished)',
    },
    ...REGISTER_BEST,
    gates: {
      type: 'string',
      value: '<file.json>',
      description: 'with --alias: promotion gates, a JSON array',
    },
  },
  async run(context, [file], options) {
    const { sweep, base } = await loadSweep(context, file!);
    const experiment = parseConfig(
      withParameters(base, trialParameters(sweep, 0)),
      file!,
    ).experiment;
    const total = trialCount(sweep);
    const waitMs = (numberOption(options, 'wait', { min: 0 }) ?? 0) * 1000;
    const deadline = Date.now() + waitMs;
    let runs = await finishedTrials(context, sweep, experiment);
    while (runs.length < total && Date.now() < deadline) {
      progress(context, `sweep ${sweep.name}: ${runs.length}/${total} trials finished, waiting`);
      await new Promise((done) =>
        setTimeout(done, Math.min(5000, Math.max(0, deadline - Date.now()))),
      );
      runs = await finishedTrials(context, sweep, experiment);
    }
    const { metric, mode } = sweep.objective;
    const ranked = runs
      .filter((run) => Number.isFinite(run.metrics[metric]))
      .sort((a, b) => (mode === 'min' ? 1 : -1) * (a.metrics[metric]! - b.metrics[metric]!));
    const winner = ranked[0];
    if (winner === undefined) {
      throw new NotFoundError(
        `No finished trial of sweep "${sweep.name}" has the metric "${metric}" (experiment ${experiment}); run the trials first (mlinfra sweep trial ${file} --trial 0)`,
      );
    }
    const summary: Record<string, unknown> = {
      sweep: sweep.name,
      finished: runs.length,
      trials: total,
      best: {
        runId: winner.id,
        trial: Number(winner.tags.trial),
        [metric]: winner.metrics[metric],
      },
      ranking: ranked.map((run) => ({
        runId: run.id,
        trial: Number(run.tags.trial),
        value: run.metrics[metric],
      })),
    };
    const model = stringOption(options, 'register');
    const alias = stringOption(options, 'alias');
    const gatesFile = stringOption(options, 'gates');
    let exit: ExitCode = EXIT_CODES.ok;
    await withRegistry(context, async (registry) => {
      const run = await registry.openRun(winner.id);
      await run.setTags({ 'sweep.best': 'true' });
      if (model === undefined) return;
      const metrics = Object.fromEntries(
        Object.entries(winner.metrics)
          .filter(([key]) => key.startsWith('test_'))
          .map(([key, value]) => [key.slice('test_'.length), value]),
      );
      const version = await registry.registerModel(model, {
        artifact: 'model',
        run: winner.id,
        metrics,
      });
      summary.registered = { model, version: version.version };
      if (alias === undefined) return;
      const gates =
        gatesFile === undefined ? [] : await readJsonFile(context, gatesFile, 'Gates file');
      if (!Array.isArray(gates))
        throw new ValidationError(`Gates file ${gatesFile} must hold a JSON array`);
      const { PromotionRefusedError } = await import('@mlinfra/registry');
      try {
        summary.promotion = await registry.promote(model, version.version, alias, { gates });
      } catch (error) {
        if (!(error instanceof PromotionRefusedError)) throw error;
        summary.promotion = error.report;
        exit = EXIT_CODES.conflict;
      }
    });
    emit(context, summary, () =>
      [
        `Sweep ${sweep.name}: ${runs.length}/${total} trials finished; best trial ${winner.tags.trial} (run ${winner.id}) ${metric} ${winner.metrics[metric]}`,
        '',
        table(
          ['trial', 'run', metric],
          ranked.map((run) => [run.tags.trial ?? '-', run.id, run.metrics[metric]]),
        ),
      ].join('\n'),
    );
    return exit;
  },
};

/** `mlinfra sweep trial` and `mlinfra sweep best`. */
export const sweepCommands: Command[] = [trial, best];
