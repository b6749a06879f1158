import { type Command, numberOption, stringOption } from '../cli/command.js';
import { EXIT_CODES } from '../cli/errors.js';
import { withRegistry } from '../cli/home.js';
import { emit, table } from '../cli/output.js';

const list: Command = {
  path: ['runs', 'list'],
  args: [],
  summary: 'List runs, newest first, optionally filtered and ordered by metrics or params.',
  details: `Examples:
  mlinfra runs list --experiment weather
  mlinfra runs list --filter "metrics.accuracy > 0.8 and status = 'finished'" --order-by "metrics.accuracy DESC"`,
  options: {
    experiment: { type: 'string', value: '<name>', description: 'only runs of this experiment' },
    filter: {
      type: 'string',
      value: '<expr>',
      description: "conditions joined by and: metrics.x < 1, params.y = 'z', status = 'finished'",
    },
    'order-by': {
      type: 'string',
      value: '<expr>',
      description: 'e.g. "metrics.loss ASC" (default start_time DESC)',
    },
    limit: {
      type: 'string',
      value: '<n>',
      description: 'at most this many runs, 1 to 1000 (default 50)',
    },
  },
  async run(context, _args, options) {
    const experiment = stringOption(options, 'experiment');
    const filter = stringOption(options, 'filter');
    const orderBy = stringOption(options, 'order-by');
    const limit = numberOption(options, 'limit', { integer: true, min: 1 }) ?? 50;
    const page = await withRegistry(context, (registry) =>
      registry.searchRuns({
        limit: Math.min(limit, 1000),
        ...(experiment === undefined ? {} : { experiment }),
        ...(filter === undefined ? {} : { filter }),
        ...(orderBy === undefined ? {} : { orderBy }),
      }),
    );
    emit(context, page.runs, () => {
      if (page.runs.length === 0) return 'No runs match.';
      // Held-out metrics first: they are what runs are compared on.
      const rank = (name: string) =>
        name.startsWith('test_') ? 0 : name.startsWith('val_') ? 1 : 2;
      const metricNames = [...new Set(page.runs.flatMap((run) => Object.keys(run.metrics)))]
        .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
        .slice(0, 4);
      return table(
        ['run', 'experiment', 'name', 'status', 'started', ...metricNames],
        page.runs.map((run) => [
          run.id,
          run.experiment,
          run.name ?? '-',
          run.status,
          run.startedAt,
          ...metricNames.map((metric) => run.metrics[metric]),
        ]),
      );
    });
    return EXIT_CODES.ok;
  },
};

const compare: Command = {
  path: ['runs', 'compare'],
  args: ['<run>', '<run...>'],
  summary:
    'Compare runs side by side: params (differences marked *), latest metrics, tags, inputs.',
  details: `Examples:
  mlinfra runs compare <run id> <run id>`,
  options: {},
  async run(context, ids) {
    const runs = await withRegistry(context, (registry) =>
      Promise.all(ids.map((id) => registry.getRun(id))),
    );
    const keys = (pick: (run: (typeof runs)[number]) => Record<string, unknown>) =>
      [...new Set(runs.flatMap((run) => Object.keys(pick(run))))].sort();
    const params = keys((run) => run.params);
    const metrics = keys((run) => run.metrics);
    const differs = (values: unknown[]) =>
      new Set(values.map((value) => JSON.stringify(value))).size > 1;
    emit(context, { runs, params, metrics }, () => {
      const rows: unknown[][] = [
        ['experiment', ...runs.map((run) => run.experiment)],
        ['status', ...runs.map((run) => run.status)],
        ['started', ...runs.map((run) => run.startedAt)],
      ];
      for (const name of params) {
        const values = runs.map((run) => run.params[name]);
        rows.push([`${differs(values) ? '* ' : '  '}params.${name}`, ...values]);
      }
      for (const name of metrics) {
        rows.push([`  metrics.${name}`, ...runs.map((run) => run.metrics[name])]);
      }
      rows.push([
        '  inputs',
        ...runs.map((run) => run.inputs.map((id) => id.slice(0, 19)).join(' ') || '-'),
      ]);
      return table(['', ...runs.map((run) => run.name ?? run.id.slice(0, 12))], rows);
    });
    return EXIT_CODES.ok;
  },
};

/** `mlinfra runs ...`. */
export const runCommands: Command[] = [list, compare];
