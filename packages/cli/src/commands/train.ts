import { basename, extname } from 'node:path';
import { fromZodIssues, ValidationError } from '@mlinfra/core';
import type { Batch, BatchCursor, FeatureSpec } from '@mlinfra/datasets';
import type { PromotionGate } from '@mlinfra/registry';
import type { JsonValue, TrainingCallback, XYBatch } from '@mlinfra/trainer';
import { z } from 'zod';
import { type Command, stringOption } from '../cli/command.js';
import { EXIT_CODES, type ExitCode } from '../cli/errors.js';
import { openHomeDatasets, openStore, withRegistry } from '../cli/home.js';
import { type CommandContext, emit, progress, table } from '../cli/output.js';
import { readJsonFile } from './datasets.js';

const featureKind = z.enum(['standardize', 'minMax', 'passthrough', 'oneHot', 'index']);

/** The training config file of `mlinfra train` (JSON). */
export const trainConfigSchema = z.strictObject({
  /** Dataset name in the home. */
  dataset: z.string().min(1),
  /** Version id, branch or tag. Default `main`. */
  ref: z.string().min(1).default('main'),
  /** Feature columns and their transform, in model input order. */
  features: z.record(
    z.string().min(1),
    z.union([
      featureKind,
      z.strictObject({
        kind: featureKind,
        fill: z.union([z.enum(['mean', 'zero']), z.number()]).optional(),
        maxCategories: z.number().int().positive().optional(),
        minCount: z.number().int().positive().optional(),
      }),
    ]),
  ),
  /** Label column. */
  label: z.string().min(1),
  /** Default: classification for string, category and bool labels, else regression. */
  task: z.enum(['classification', 'regression']).optional(),
  /** Class names in output order. Default: the label's schema categories, else its sorted values. */
  classes: z.array(z.string()).min(2).optional(),
  /** Deterministic split by hashing a key column. */
  split: z.strictObject({
    key: z.string().min(1),
    fractions: z
      .strictObject({
        train: z.number().positive(),
        validation: z.number().positive(),
        test: z.number().positive(),
      })
      .default({ train: 0.8, validation: 0.1, test: 0.1 }),
    salt: z.string().optional(),
  }),
  /** A multilayer perceptron. */
  model: z
    .strictObject({
      hidden: z.array(z.number().int().positive()).default([32, 16]),
      activation: z.enum(['relu', 'tanh', 'elu', 'sigmoid']).default('relu'),
      dropout: z.number().min(0).lt(1).default(0),
    })
    .default({ hidden: [32, 16], activation: 'relu', dropout: 0 }),
  epochs: z.number().int().positive().default(10),
  batchSize: z.number().int().positive().default(32),
  learningRate: z.number().positive().default(0.001),
  optimizer: z.enum(['adam', 'sgd', 'rmsprop', 'adagrad']).default('adam'),
  seed: z.number().int().nonnegative().default(42),
  backend: z
    .enum(['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'])
    .default('auto'),
  /** Stop when validation loss has not improved for this many epochs (best weights restored). */
  earlyStoppingPatience: z.number().int().positive().optional(),
  checkpoint: z
    .strictObject({
      /** Checkpoint run name. Default `cli/<experiment>/<run id>`. */
      name: z.string().min(1).optional(),
      everySteps: z.number().int().positive().optional(),
      everySeconds: z.number().positive().default(60),
      keepLast: z.number().int().positive().default(2),
    })
    .default({ everySeconds: 60, keepLast: 2 }),
  budget: z
    .strictObject({
      name: z.string().min(1),
      limit: z.union([z.number().nonnegative(), z.string().min(1)]),
      currency: z.string().length(3).default('USD'),
      /** Instance type whose price the device-seconds are charged at. */
      instance: z.string().min(1),
    })
    .optional(),
  experiment: z.string().min(1).default('default'),
  runName: z.string().min(1).optional(),
  register: z
    .strictObject({
      model: z.string().min(1),
      description: z.string().optional(),
      alias: z.string().min(1).optional(),
      gates: z.array(z.record(z.string(), z.unknown())).default([]),
    })
    .optional(),
});

/** A parsed training config. */
export type TrainConfig = z.output<typeof trainConfigSchema>;

/** Parses a training config, naming every wrong field. @throws ValidationError. */
export function parseConfig(value: unknown, file: string): TrainConfig {
  const result = trainConfigSchema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(
      `Training config ${file} is invalid; fix the fields below (see mlinfra train --help for an example)`,
      fromZodIssues(result.error.issues),
    );
  }
  return result.data;
}

const EXAMPLE_CONFIG = `{
  "dataset": "weather", "label": "weather",
  "features": { "temp_max": "standardize", "wind": "standardize", "month": "oneHot" },
  "split": { "key": "date" },
  "model": { "hidden": [32, 16] }, "epochs": 20, "learningRate": 0.01, "backend": "wasm",
  "budget": { "name": "team/weather", "limit": 1, "instance": "c6i.xlarge" },
  "experiment": "weather",
  "register": { "model": "weather", "alias": "champion", "gates": [{ "metric": "accuracy", "min": 0.7 }] }
}`;

function epochPrinter(context: CommandContext, epochs: number): TrainingCallback {
  return {
    name: 'cli-epoch-printer',
    onEpochEnd(epoch, logs) {
      const parts = Object.entries(logs)
        .filter(([key]) => key !== 'learningRate')
        .map(([key, value]) => `${key} ${value.toFixed(4)}`);
      progress(context, `epoch ${epoch + 1}/${epochs}  ${parts.join('  ')}`);
    },
  };
}

const train: Command = {
  path: ['train'],
  args: ['<config.json>'],
  summary:
    'Train an MLP on a dataset version from a config file; log the run, register and promote the model.',
  details: `Example config:
${EXAMPLE_CONFIG}

Exit codes: 0 trained (and promoted when asked), ${EXIT_CODES.budgetExceeded} stopped by the budget (a checkpoint is kept: rerun
with --resume <checkpoint name>), ${EXIT_CODES.conflict} trained and registered but the promotion gates refused it.

Examples:
  mlinfra train train.json
  mlinfra train train.json --resume cli/weather/<run id>`,
  options: {
    resume: {
      type: 'string',
      value: '<checkpoint name>',
      description:
        'continue the run whose checkpoints are under this name (printed by an earlier train)',
    },
    epochs: { type: 'string', value: '<n>', description: 'override the config epochs' },
    ref: {
      type: 'string',
      value: '<version|branch|tag>',
      description: 'override the config ref: the dataset version to train on',
    },
  },
  async run(context, [file], options): Promise<ExitCode> {
    const config = parseConfig(await readJsonFile(context, file!, 'Training config'), file!);
    const epochsOverride = stringOption(options, 'epochs');
    if (epochsOverride !== undefined) {
      const epochs = Number(epochsOverride);
      if (!Number.isInteger(epochs) || epochs < 1) {
        throw new ValidationError(
          `--epochs must be a positive integer; got ${JSON.stringify(epochsOverride)}`,
        );
      }
      config.epochs = epochs;
    }
    const ref = stringOption(options, 'ref');
    if (ref !== undefined) config.ref = ref;
    return trainFromConfig(context, config, {
      label: basename(file!, extname(file!)),
      file: file!,
      resume: stringOption(options, 'resume'),
    });
  },
};

/** Where a training config came from, and how to continue or tag the run. */
export interface TrainSource {
  /** Short name of the config, logged as the run's `config` tag. */
  label: string;
  /** The config file as typed, for the messages that say how to continue. */
  file: string;
  /** Checkpoint name to continue (`--resume`); unset starts afresh. */
  resume?: string | undefined;
  /** More tags for the run (a sweep's name and trial). */
  tags?: Record<string, string>;
}

/**
 * Trains from a parsed config: logs a run, writes checkpoints, evaluates on the test split,
 * stores the model artifact, and registers and promotes it when the config asks.
 */
export async function trainFromConfig(
  context: CommandContext,
  config: TrainConfig,
  source: TrainSource,
): Promise<ExitCode> {
  const file = source.file;
  const resumeName = source.resume;
  const [datasetsModule, trainer, tf, cost] = await Promise.all([
    import('@mlinfra/datasets'),
    import('@mlinfra/trainer'),
    import('@tensorflow/tfjs'),
    import('@mlinfra/cost'),
  ]);
  const store = openStore(context);
  const datasets = await openHomeDatasets(context);
  const version = await datasets.resolve(config.dataset, config.ref);
  const labelSchema = version.schema.columns.find((column) => column.name === config.label);
  if (labelSchema === undefined) {
    throw new ValidationError(
      `Label "${config.label}" is not a column of ${config.dataset}; use one of ${version.schema.columns.map((c) => c.name).join(', ')}`,
    );
  }
  const task =
    config.task ??
    (['string', 'category', 'bool'].includes(labelSchema.type) ? 'classification' : 'regression');
  const splits = datasets.dataset(config.dataset, version.id).split({
    key: config.split.key,
    fractions: config.split.fractions,
    ...(config.split.salt === undefined ? {} : { salt: config.split.salt }),
  });
  const [trainSplit, validationSplit, testSplit] = [
    splits.train!,
    splits.validation!,
    splits.test!,
  ];
  const transform = await datasetsModule.fitFeatures(trainSplit, config.features as FeatureSpec);
  const columns = [...new Set([...Object.keys(config.features), config.label])];
  const validationRows = await validationSplit.rows({ columns });
  const testRows = await testSplit.rows({ columns });
  let classes: string[] = [];
  if (task === 'classification') {
    classes =
      config.classes ??
      labelSchema.categories ??
      [
        ...new Set(
          (await trainSplit.rows({ columns: [config.label] })).map((row) =>
            String(row[config.label]),
          ),
        ),
      ].sort();
    if (classes.length < 2) {
      throw new ValidationError(
        `Label "${config.label}" has fewer than 2 classes in the train split; give "classes" or more data`,
      );
    }
  }
  const labelOf = (value: unknown, row: number): number => {
    if (task === 'regression') {
      const number = typeof value === 'bigint' ? Number(value) : Number(value);
      if (!Number.isFinite(number))
        throw new ValidationError(
          `Row ${row}: label "${config.label}" is not a number (${String(value)})`,
        );
      return number;
    }
    const index = classes.indexOf(String(value));
    if (index < 0) {
      throw new ValidationError(
        `Label value ${JSON.stringify(value)} is not one of the classes ${classes.join(', ')}; add it to "classes"`,
      );
    }
    return index;
  };
  const toXY = (batch: Batch): XYBatch => {
    const labels = batch.columns[config.label]!;
    const y = new Float32Array(batch.size);
    for (let row = 0; row < batch.size; row++) y[row] = labelOf(labels[row], row);
    return { x: transform.transform(batch), y };
  };
  const rowsToXY = (rows: ReadonlyArray<Record<string, unknown>>): XYBatch => ({
    x: transform.transform(rows),
    y: Float32Array.from(rows, (row, index) => labelOf(row[config.label], index)),
  });
  const buildModel = () => {
    const model = tf.sequential();
    config.model.hidden.forEach((units, index) => {
      model.add(
        tf.layers.dense({
          units,
          activation: config.model.activation,
          ...(index === 0 ? { inputShape: [transform.width] } : {}),
        }),
      );
      if (config.model.dropout > 0) model.add(tf.layers.dropout({ rate: config.model.dropout }));
    });
    model.add(
      tf.layers.dense({
        units: task === 'classification' ? classes.length : 1,
        activation: task === 'classification' ? 'softmax' : 'linear',
        ...(config.model.hidden.length === 0 ? { inputShape: [transform.width] } : {}),
      }),
    );
    return model;
  };

  return withRegistry(
    context,
    async (registry): Promise<ExitCode> => {
      let guard: import('@mlinfra/cost').BudgetGuard | undefined;
      if (config.budget !== undefined) {
        const budget = await cost.createBudget({
          store,
          name: config.budget.name,
          limit: config.budget.limit,
          currency: config.budget.currency,
        });
        await budget.assertAvailable();
        guard = cost.budgetGuard(budget, {
          instance: config.budget.instance,
          resource: 'training',
        });
      }
      const run = await registry.startRun({
        experiment: config.experiment,
        ...(config.runName === undefined ? {} : { name: config.runName }),
        inputs: [version.id],
        params: {
          dataset: config.dataset,
          label: config.label,
          task,
          hidden: config.model.hidden.join('-'),
          activation: config.model.activation,
          dropout: config.model.dropout,
          // epochs, batchSize, seed, optimizer, learningRate, loss and backend: logged by the trainer.
        },
        tags: { source: 'mlinfra train', config: source.label, ...source.tags },
      });
      const checkpointName =
        resumeName ?? config.checkpoint.name ?? `cli/${config.experiment}/${run.id}`;
      progress(
        context,
        `run ${run.id}: training on ${config.dataset} ${version.id.slice(0, 19)} (${version.rowCount} rows), checkpoints under ${checkpointName}`,
      );
      let result: Awaited<ReturnType<typeof trainer.train>>;
      try {
        result = await trainer.train({
          model: buildModel,
          data: {
            train: async ({ epoch, cursor }) => {
              const stream = trainSplit.batches({
                batchSize: config.batchSize,
                shuffle: { seed: config.seed },
                epoch,
                columns,
                ...(cursor === undefined || cursor === null
                  ? {}
                  : { cursor: cursor as BatchCursor }),
              });
              async function* batches(): AsyncGenerator<XYBatch> {
                for await (const batch of stream) yield toXY(batch);
              }
              return Object.assign(batches(), { cursor: () => stream.cursor() });
            },
            ...(validationRows.length === 0 ? {} : { validation: rowsToXY(validationRows) }),
          },
          epochs: config.epochs,
          batchSize: config.batchSize,
          loss: task === 'classification' ? 'sparseCategoricalCrossentropy' : 'meanSquaredError',
          optimizer: { type: config.optimizer, learningRate: config.learningRate },
          metrics: task === 'classification' ? ['accuracy'] : ['rmse'],
          checkpoint: {
            store,
            name: checkpointName,
            everySeconds: config.checkpoint.everySeconds,
            keepLast: config.checkpoint.keepLast,
            ...(config.checkpoint.everySteps === undefined
              ? {}
              : { everySteps: config.checkpoint.everySteps }),
          },
          resume: resumeName === undefined ? 'never' : 'latest',
          seed: config.seed,
          logger: run,
          backend: config.backend,
          ...(guard === undefined ? {} : { budget: guard }),
          callbacks: [
            epochPrinter(context, config.epochs),
            ...(config.earlyStoppingPatience === undefined
              ? []
              : [
                  trainer.earlyStopping({
                    monitor: 'val_loss',
                    patience: config.earlyStoppingPatience,
                    restoreBestWeights: true,
                  }),
                ]),
          ],
          onSigterm: 'exit',
        });
      } catch (error) {
        await run.end('failed');
        throw error;
      }
      const summary: Record<string, unknown> = {
        runId: run.id,
        dataset: { name: config.dataset, version: version.id },
        status: result.status,
        stopReason: result.stopReason ?? null,
        backend: result.backend.name,
        epochs: result.epochs,
        steps: result.steps,
        deviceSeconds: result.deviceSeconds,
        checkpointName,
        checkpoint: result.checkpoint ?? null,
        history: result.history,
      };
      if (result.status === 'budget-exhausted' || result.status === 'interrupted') {
        await run.end('killed');
        emit(
          context,
          summary,
          () =>
            `Training ${result.status === 'budget-exhausted' ? 'stopped by the budget' : 'interrupted'} after ${result.steps} steps: ${result.stopReason ?? ''}\nA checkpoint is kept; raise the limit and continue with: mlinfra train ${file} --resume ${checkpointName}`,
        );
        return result.status === 'budget-exhausted'
          ? EXIT_CODES.budgetExceeded
          : EXIT_CODES.failure;
      }
      const evaluation = await trainer.evaluate(result.model, rowsToXY(testRows), {
        task: task === 'classification' ? 'multiclass' : 'regression',
        batchSize: 1024,
      });
      const metrics = Object.fromEntries(
        Object.entries(evaluation.overall).filter(([, value]) => Number.isFinite(value)),
      );
      await run.logMetrics(
        Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`test_${k}`, v])),
        { step: result.steps },
      );
      const artifact = await trainer.saveModelArtifact(store, result.model, {
        signature: {
          features: [...transform.featureNames],
          ...(task === 'classification' ? { labels: classes } : {}),
        },
        transform: transform.toJSON() as unknown as JsonValue,
        lineage: { datasets: [version.id], run: run.id, seed: config.seed },
        metadata: { metrics, task, label: config.label },
      });
      await run.logArtifact('model', { digest: artifact.id });
      await run.end('finished');
      summary.metrics = metrics;
      summary.artifact = artifact.id;
      let exit: ExitCode = EXIT_CODES.ok;
      if (config.register !== undefined) {
        const registered = await registry.registerModel(config.register.model, {
          artifact: artifact.id,
          run: run.id,
          signature: artifact.manifest.signature as unknown as JsonValue,
          metrics,
          ...(config.register.description === undefined
            ? {}
            : { description: config.register.description }),
        });
        summary.registered = { model: registered.name, version: registered.version };
        if (config.register.alias !== undefined) {
          const { PromotionRefusedError } = await import('@mlinfra/registry');
          try {
            const report = await registry.promote(
              registered.name,
              registered.version,
              config.register.alias,
              {
                gates: config.register.gates as unknown as PromotionGate[],
              },
            );
            summary.promotion = report;
          } catch (error) {
            if (!(error instanceof PromotionRefusedError)) throw error;
            summary.promotion = error.report;
            exit = EXIT_CODES.conflict;
          }
        }
      }
      emit(context, summary, () => {
        const lines = [
          `Run ${run.id}: ${result.status} on ${result.backend.name}, ${result.epochs} epochs, ${result.steps} steps`,
          `  checkpoints ${checkpointName} (latest ${result.checkpoint ?? 'none'})`,
          `  model artifact ${artifact.id}`,
          '',
          table(['test metric', 'value'], Object.entries(metrics)),
        ];
        const registered = summary.registered as { model: string; version: number } | undefined;
        if (registered !== undefined)
          lines.push('', `Registered ${registered.model}/${registered.version}`);
        const promotion = summary.promotion as
          | {
              promoted: boolean;
              alias: string;
              failures: Array<{ metric: string; reason: string }>;
            }
          | undefined;
        if (promotion !== undefined) {
          lines.push(
            exit === EXIT_CODES.ok
              ? `Promoted to @${promotion.alias}`
              : `Not promoted to @${promotion.alias}: ${promotion.failures.map((f) => `${f.metric} ${f.reason}`).join('; ')}`,
          );
        }
        return lines.join('\n');
      });
      return exit;
    },
    { create: true },
  );
}

/** `mlinfra train`. */
export const trainCommands: Command[] = [train];
