import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError } from '@mlinfra/core';
import type { CommitOptions, Version } from '@mlinfra/datasets';
import { type Command, numberOption, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import { openHomeDatasets, requireHome } from '../cli/home.js';
import { type CommandContext, cellText, emit, shortId, table } from '../cli/output.js';

/** Reads a JSON file given on the command line. @throws ValidationError naming the file. */
export async function readJsonFile(
  context: CommandContext,
  path: string,
  what: string,
): Promise<unknown> {
  const text = await readFile(resolve(context.io.cwd, path), 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(
      `${what} ${path} is not valid JSON (${(error as Error).message}); fix the file`,
    );
  }
}

function versionJson(version: Version): Record<string, unknown> {
  return { ...version, createdAt: version.createdAt.toISOString() };
}

function versionLine(version: Version): unknown[] {
  return [
    shortId(version.id),
    version.createdAt,
    version.branch,
    version.rowCount,
    version.mode,
    version.author ?? '-',
    version.message,
  ];
}

const commit: Command = {
  path: ['datasets', 'commit'],
  args: ['<name>', '<file>'],
  summary: 'Commit a CSV/TSV or Parquet file as a new version of a dataset (validated first).',
  details: `The first commit infers the schema (or takes --schema); later commits must fit the branch's
schema. A commit that fails the schema or an expectation stores nothing and exits ${EXIT_CODES.invalid}.

Examples:
  mlinfra datasets commit weather ./weather.csv -m "2012-2014"
  mlinfra datasets commit weather ./2015.csv --mode append --expect expectations.json`,
  options: {
    message: {
      type: 'string',
      short: 'm',
      value: '<text>',
      description: 'commit message (default empty)',
    },
    branch: { type: 'string', value: '<name>', description: 'branch to commit to (default main)' },
    mode: {
      type: 'string',
      value: '<replace|append>',
      description: 'replace the rows, or append to the parent version (default replace)',
    },
    schema: {
      type: 'string',
      value: '<file.json>',
      description:
        'schema to enforce: { "columns": [{ "name", "type", ... }] } (default: inferred)',
    },
    expect: {
      type: 'string',
      value: '<file.json>',
      description: 'expectations to check: [{ "type": "notNull", "column": "x" }, ...]',
    },
    tag: { type: 'string', value: '<name>', description: 'also tag the new version' },
  },
  async run(context, [name, file], options) {
    const datasets = await openHomeDatasets(context);
    const mode = stringOption(options, 'mode');
    if (mode !== undefined && mode !== 'replace' && mode !== 'append') {
      throw new UsageError(`--mode must be replace or append; got ${JSON.stringify(mode)}`);
    }
    const commitOptions: CommitOptions = {};
    const message = stringOption(options, 'message');
    const branch = stringOption(options, 'branch');
    const schema = stringOption(options, 'schema');
    const expect = stringOption(options, 'expect');
    if (message !== undefined) commitOptions.message = message;
    if (branch !== undefined) commitOptions.branch = branch;
    if (mode !== undefined) commitOptions.mode = mode;
    if (schema !== undefined) {
      commitOptions.schema = (await readJsonFile(context, schema, 'Schema file')) as NonNullable<
        CommitOptions['schema']
      >;
    }
    if (expect !== undefined) {
      const expectations = await readJsonFile(context, expect, 'Expectations file');
      if (!Array.isArray(expectations)) {
        throw new ValidationError(
          `Expectations file ${expect} must hold a JSON array, e.g. [{ "type": "rowCount", "min": 1 }]`,
        );
      }
      commitOptions.expectations = expectations as NonNullable<CommitOptions['expectations']>;
    }
    const version = await datasets.commit(name!, resolve(context.io.cwd, file!), commitOptions);
    const tag = stringOption(options, 'tag');
    if (tag !== undefined) await datasets.tag(name!, tag, version.id);
    emit(context, versionJson(version), () =>
      [
        `Committed ${name}@${version.branch}: ${version.id}`,
        `  ${version.rowCount} rows, ${version.schema.columns.length} columns, ${version.files.length} Parquet file(s)${tag === undefined ? '' : `, tagged ${tag}`}`,
        `  parent ${version.parent ?? 'none'}`,
      ].join('\n'),
    );
    return EXIT_CODES.ok;
  },
};

const log: Command = {
  path: ['datasets', 'log'],
  args: ['<name>'],
  summary: 'List the versions of a dataset, newest first.',
  details: `Examples:
  mlinfra datasets log weather
  mlinfra datasets log weather --branch candidate --limit 5`,
  options: {
    branch: { type: 'string', value: '<name>', description: 'branch to walk (default main)' },
    limit: {
      type: 'string',
      value: '<n>',
      description: 'at most this many versions (default all)',
    },
  },
  async run(context, [name], options) {
    requireHome(context);
    const datasets = await openHomeDatasets(context);
    const branch = stringOption(options, 'branch');
    const limit = numberOption(options, 'limit', { integer: true, min: 1 });
    const versions = await datasets.log(name!, {
      ...(branch === undefined ? {} : { branch }),
      ...(limit === undefined ? {} : { limit }),
    });
    emit(context, versions.map(versionJson), () =>
      table(
        ['version', 'created', 'branch', 'rows', 'mode', 'author', 'message'],
        versions.map(versionLine),
      ),
    );
    return EXIT_CODES.ok;
  },
};

const diff: Command = {
  path: ['datasets', 'diff'],
  args: ['<name>', '<a>', '<b>'],
  summary: 'Compare two versions (ids, branches or tags): schema, rows and per-column statistics.',
  details: `Examples:
  mlinfra datasets diff weather main candidate`,
  options: {
    'no-drift': { type: 'boolean', description: 'skip the drift tests between the two versions' },
  },
  async run(context, [name, a, b], options) {
    requireHome(context);
    const datasets = await openHomeDatasets(context);
    const [from, to] = await Promise.all([
      datasets.resolve(name!, a!),
      datasets.resolve(name!, b!),
    ]);
    // Key-like columns (declared unique, or every value distinct) have no distribution to compare.
    const keys = new Set<string>();
    for (const version of [from, to]) {
      for (const column of version.schema.columns) {
        const stats = version.stats[column.name];
        if (
          column.unique === true ||
          (stats?.distinct !== undefined && stats.distinct === stats.count && stats.count > 1)
        ) {
          keys.add(column.name);
        }
      }
    }
    const result = await datasets.diff(name!, from.id, to.id, {
      drift: options['no-drift'] === true ? false : { ignore: [...keys] },
    });
    emit(context, result, () => {
      const lines = [
        `${name}: ${shortId(result.a)} -> ${shortId(result.b)}`,
        `rows: ${result.rows.a} -> ${result.rows.b} (${result.rows.change >= 0 ? '+' : ''}${result.rows.change})`,
      ];
      if (result.schema.added.length > 0)
        lines.push(`columns added: ${result.schema.added.join(', ')}`);
      if (result.schema.removed.length > 0)
        lines.push(`columns removed: ${result.schema.removed.join(', ')}`);
      for (const change of result.schema.changed) {
        lines.push(
          `column ${change.column} changed: ${JSON.stringify(change.from)} -> ${JSON.stringify(change.to)}`,
        );
      }
      lines.push(
        '',
        table(
          ['column', 'mean a', 'mean b', 'mean change', 'null change', 'categories +/-'],
          Object.entries(result.columns).map(([column, change]) => [
            column,
            change.a?.mean,
            change.b?.mean,
            change.meanChange,
            change.nullFractionChange,
            change.categoriesAdded === undefined && change.categoriesRemoved === undefined
              ? '-'
              : `+${(change.categoriesAdded ?? []).join('|') || '0'} -${(change.categoriesRemoved ?? []).join('|') || '0'}`,
          ]),
        ),
      );
      if (result.drift !== null) {
        const drifted = result.drift.columns.filter((column) => column.drifted);
        lines.push(
          '',
          `drift: ${drifted.length} of ${result.drift.columnCount} columns (${drifted.map((column) => column.column).join(', ') || 'none'})${keys.size > 0 ? `; key columns skipped: ${[...keys].join(', ')}` : ''}`,
          table(
            ['column', 'test', 'statistic', 'p-value', 'drifted'],
            result.drift.columns.map((column) => [
              column.column,
              column.test,
              column.statistic,
              column.pValue,
              column.drifted ? 'yes' : 'no',
            ]),
          ),
        );
      }
      return lines.join('\n');
    });
    return EXIT_CODES.ok;
  },
};

const show: Command = {
  path: ['datasets', 'show'],
  args: ['<name>', '[ref]'],
  summary:
    'Show one version (default: the head of main): schema, statistics, files, and a few rows.',
  details: `Examples:
  mlinfra datasets show weather
  mlinfra datasets show weather v2014 --rows 5`,
  options: {
    rows: { type: 'string', value: '<n>', description: 'also print the first n rows (default 0)' },
  },
  async run(context, [name, reference], options) {
    requireHome(context);
    const datasets = await openHomeDatasets(context);
    const version = await datasets.resolve(name!, reference ?? 'main');
    const head = numberOption(options, 'rows', { integer: true, min: 0 }) ?? 0;
    const rows: Array<Record<string, unknown>> = [];
    if (head > 0) {
      for await (const chunk of datasets.dataset(name!, version.id).chunks()) {
        for (let index = 0; index < chunk.length && rows.length < head; index++) {
          const row: Record<string, unknown> = {};
          for (const [column, values] of Object.entries(chunk.columns)) row[column] = values[index];
          rows.push(row);
        }
        if (rows.length >= head) break;
      }
    }
    const [tags, branches] = await Promise.all([datasets.tags(name!), datasets.branches(name!)]);
    const names = [
      ...Object.entries(branches)
        .filter(([, id]) => id === version.id)
        .map(([branch]) => `branch ${branch}`),
      ...Object.entries(tags)
        .filter(([, id]) => id === version.id)
        .map(([tag]) => `tag ${tag}`),
    ];
    emit(context, { ...versionJson(version), names, rows }, () => {
      const lines = [
        `${name} ${version.id}${names.length > 0 ? ` (${names.join(', ')})` : ''}`,
        `  created ${cellText(version.createdAt)} by ${version.author ?? 'unknown'}: ${version.message || '(no message)'}`,
        `  ${version.rowCount} rows in ${version.files.length} file(s), parent ${version.parent ?? 'none'}`,
        '',
        table(
          ['column', 'type', 'nullable', 'nulls', 'min', 'mean', 'max', 'distinct'],
          version.schema.columns.map((column) => {
            const stats = version.stats[column.name];
            const value = (number: number | undefined) =>
              column.type === 'timestamp' && number !== undefined ? new Date(number) : number;
            return [
              column.name,
              column.type,
              column.nullable === true ? 'yes' : 'no',
              stats?.nulls,
              value(stats?.min),
              value(stats?.mean),
              value(stats?.max),
              stats?.distinct,
            ];
          }),
        ),
      ];
      if (rows.length > 0) {
        const columns = version.schema.columns;
        lines.push(
          '',
          table(
            columns.map((column) => column.name),
            rows.map((row) =>
              columns.map((column) => {
                const cell = row[column.name];
                return column.type === 'timestamp' && typeof cell === 'number'
                  ? new Date(cell)
                  : cell;
              }),
            ),
          ),
        );
      }
      return lines.join('\n');
    });
    return EXIT_CODES.ok;
  },
};

/** `mlinfra datasets ...`. */
export const datasetCommands: Command[] = [commit, log, diff, show];
