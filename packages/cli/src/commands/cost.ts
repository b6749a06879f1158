import { existsSync } from 'node:fs';
import { NotFoundError, ValidationError } from '@mlinfra/core';
import type { BudgetStatus, CostReport, ReportFormat } from '@mlinfra/cost';
import { type Command, numberOption, type OptionValues, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import { openStore } from '../cli/home.js';
import { type CommandContext, emit } from '../cli/output.js';

function formatOf(options: OptionValues): ReportFormat {
  const format = stringOption(options, 'format') ?? 'table';
  if (format !== 'table' && format !== 'markdown') {
    throw new UsageError(
      `--format must be table or markdown (use --json for JSON); got ${JSON.stringify(format)}`,
    );
  }
  return format;
}

async function printReport(
  context: CommandContext,
  report: CostReport | CostReport[],
  format: ReportFormat,
): Promise<void> {
  const { renderReport } = await import('@mlinfra/cost');
  const reports = Array.isArray(report) ? report : [report];
  if (context.json) {
    // renderReport's JSON writes amounts as { amount, micros, currency }.
    const values = reports.map((one) => JSON.parse(renderReport(one, 'json')) as unknown);
    context.io.stdout(`${JSON.stringify(Array.isArray(report) ? values : values[0], null, 2)}\n`);
    return;
  }
  context.io.stdout(`${reports.map((one) => renderReport(one, format).trimEnd()).join('\n\n')}\n`);
}

const estimate: Command = {
  path: ['cost', 'estimate'],
  args: ['<training|serving>'],
  summary: 'Estimate what a training run (on demand vs spot) or a serving endpoint costs.',
  details: `Prices come from the shipped catalog (approximate list prices, USD per instance-hour).

Examples:
  mlinfra cost estimate training --instance g5.xlarge --samples 1000000 --epochs 10 --throughput 2000 --spot-rate 0.1
  mlinfra cost estimate serving --instance c6i.xlarge --qps 200 --throughput-per-replica 150`,
  options: {
    instance: {
      type: 'string',
      value: '<type>',
      description: 'instance type, e.g. g5.xlarge or n1-standard-8+1xT4 (required)',
    },
    region: {
      type: 'string',
      value: '<region>',
      description: 'region (default: the cheapest that lists it)',
    },
    samples: { type: 'string', value: '<n>', description: 'training: samples per epoch' },
    epochs: { type: 'string', value: '<n>', description: 'training: epochs (default 1)' },
    throughput: {
      type: 'string',
      value: '<n/s>',
      description: 'training: samples per second of the whole job',
    },
    flops: {
      type: 'string',
      value: '<n>',
      description: 'training: total FLOPs instead of samples/throughput',
    },
    instances: { type: 'string', value: '<n>', description: 'training: nodes (default 1)' },
    'spot-rate': {
      type: 'string',
      value: '<per hour>',
      description: 'training: also price spot, with this preemption rate per hour',
    },
    'checkpoint-cost': {
      type: 'string',
      value: '<s>',
      description: 'training: seconds to write one checkpoint (default 0)',
    },
    qps: { type: 'string', value: '<n>', description: 'serving: target requests per second' },
    'throughput-per-replica': {
      type: 'string',
      value: '<n/s>',
      description: 'serving: predictions per second one replica sustains',
    },
    utilization: {
      type: 'string',
      value: '<0..1>',
      description: 'serving: target utilization (default 1)',
    },
    spot: { type: 'boolean', description: 'serving: price spot instances' },
    format: {
      type: 'string',
      value: '<table|markdown>',
      description: 'text format (default table)',
    },
  },
  async run(context, [kind], options) {
    const instance = stringOption(options, 'instance');
    if (instance === undefined)
      throw new UsageError(
        'Give --instance, e.g. --instance g5.xlarge (see the catalog in @mlinfra/cost)',
      );
    const region = stringOption(options, 'region');
    const format = formatOf(options);
    const cost = await import('@mlinfra/cost');
    if (kind === 'serving') {
      const qps = numberOption(options, 'qps', { min: 0 });
      const throughput = numberOption(options, 'throughput-per-replica', { min: 0 });
      if (qps === undefined || throughput === undefined) {
        throw new UsageError(
          'A serving estimate needs --qps <n> and --throughput-per-replica <n/s>',
        );
      }
      const utilization = numberOption(options, 'utilization', { min: 0 });
      await printReport(
        context,
        cost.estimateServing({
          instance,
          targetQps: qps,
          throughputPerReplica: throughput,
          ...(region === undefined ? {} : { region }),
          ...(utilization === undefined ? {} : { targetUtilization: utilization }),
          ...(options.spot === true ? { spot: true } : {}),
        }),
        format,
      );
      return EXIT_CODES.ok;
    }
    if (kind !== 'training') {
      throw new UsageError(`cost estimate takes training or serving; got ${JSON.stringify(kind)}`);
    }
    const samples = numberOption(options, 'samples', { min: 0 });
    const throughput = numberOption(options, 'throughput', { min: 0 });
    const flops = numberOption(options, 'flops', { min: 0 });
    if (flops === undefined && (samples === undefined || throughput === undefined)) {
      throw new UsageError(
        'A training estimate needs --samples <n> and --throughput <n/s> (or --flops <n>)',
      );
    }
    const epochs = numberOption(options, 'epochs', { min: 0 });
    const instances = numberOption(options, 'instances', { integer: true, min: 1 });
    const spotRate = numberOption(options, 'spot-rate', { min: 0 });
    const checkpointCost = numberOption(options, 'checkpoint-cost', { min: 0 });
    await printReport(
      context,
      cost.estimateTraining({
        instance,
        ...(region === undefined ? {} : { region }),
        ...(samples === undefined ? {} : { samples }),
        ...(throughput === undefined ? {} : { throughput }),
        ...(flops === undefined ? {} : { flops }),
        ...(epochs === undefined ? {} : { epochs }),
        ...(instances === undefined ? {} : { instances }),
        ...(spotRate === undefined ? {} : { spot: { interruptionRatePerHour: spotRate } }),
        ...(checkpointCost === undefined ? {} : { checkpointCostS: checkpointCost }),
      }),
      format,
    );
    return EXIT_CODES.ok;
  },
};

const BUDGET_PREFIX = 'cost/budgets/';

/** The status of a stored budget, opened at its stored limit (so nothing is changed). */
async function budgetStatus(context: CommandContext, name: string): Promise<BudgetStatus> {
  const store = openStore(context);
  const stored = await store.refs.get(`${BUDGET_PREFIX}${name}`);
  if (stored === undefined) {
    const names = (await store.refs.list(BUDGET_PREFIX)).map((ref) =>
      ref.slice(BUDGET_PREFIX.length),
    );
    throw new NotFoundError(
      `No budget "${name}" in ${context.home}; ${names.length === 0 ? 'none exist yet (mlinfra train with "budget" creates one)' : `use one of ${names.join(', ')}`}`,
    );
  }
  let state: { limitMicros?: unknown; currency?: unknown };
  try {
    state = JSON.parse(stored) as typeof state;
  } catch (error) {
    throw new ValidationError(
      `Budget ref ${BUDGET_PREFIX}${name} does not hold budget state; delete it`,
      [],
      { cause: error },
    );
  }
  if (typeof state.limitMicros !== 'number' || typeof state.currency !== 'string') {
    throw new ValidationError(
      `Budget ref ${BUDGET_PREFIX}${name} does not hold budget state; delete it`,
    );
  }
  const { createBudget, fromMicros } = await import('@mlinfra/cost');
  const budget = await createBudget({
    store,
    name,
    limit: fromMicros(state.limitMicros, state.currency),
  });
  return budget.status();
}

const report: Command = {
  path: ['cost', 'report'],
  args: ['[budget]'],
  summary: 'Report what budgets have spent: one budget by name, or all of them.',
  details: `Examples:
  mlinfra cost report
  mlinfra cost report team/weather --json`,
  options: {
    format: {
      type: 'string',
      value: '<table|markdown>',
      description: 'text format (default table)',
    },
  },
  async run(context, [name], options) {
    const format = formatOf(options);
    if (!existsSync(context.home)) {
      throw new NotFoundError(
        `No mlinfra home at ${context.home}; pass --home <dir> or set MLINFRA_HOME`,
      );
    }
    if (name !== undefined) {
      await printReport(context, await budgetStatus(context, name), format);
      return EXIT_CODES.ok;
    }
    const names = (await openStore(context).refs.list(BUDGET_PREFIX)).map((ref) =>
      ref.slice(BUDGET_PREFIX.length),
    );
    if (names.length === 0) {
      emit(
        context,
        [],
        () => `No budgets in ${context.home} yet (mlinfra train with "budget" creates one).`,
      );
      return EXIT_CODES.ok;
    }
    const statuses: BudgetStatus[] = [];
    for (const budget of names) statuses.push(await budgetStatus(context, budget));
    await printReport(context, statuses, format);
    return EXIT_CODES.ok;
  },
};

/** `mlinfra cost ...`. */
export const costCommands: Command[] = [estimate, report];
