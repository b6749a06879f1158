import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError } from '@mlinfra/core';
import { type Command, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import { emit, table } from '../cli/output.js';
import { columnsOf, loadTable } from './tables.js';

function list(text: string | undefined): string[] | undefined {
  return text
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

const report: Command = {
  path: ['drift', 'report'],
  args: [],
  summary:
    'Compare current data (e.g. a prediction log) with a reference and write an HTML report.',
  details: `Tables: dataset:<name>[@<ref>] from the home, or a .csv, .tsv, .json (rows or a drift profile),
.jsonl (rows, or a @mlinfra/serving prediction log: its inputs plus "prediction"), .parquet file.
Columns compared: --columns, else those present on both sides.

Examples:
  mlinfra drift report --reference dataset:weather@train --current predictions.jsonl --html drift.html
  mlinfra drift report --reference train.parquet --current today.csv --fail-on-drift`,
  options: {
    reference: {
      type: 'string',
      value: '<table>',
      description: 'reference data or profile (required)',
    },
    current: { type: 'string', value: '<table>', description: 'current data (required)' },
    columns: {
      type: 'string',
      value: '<a,b,...>',
      description: 'columns to compare (default: those on both sides)',
    },
    ignore: {
      type: 'string',
      value: '<a,b,...>',
      description: 'columns to skip (ids, timestamps)',
    },
    html: { type: 'string', value: '<file>', description: 'write the HTML report there' },
    title: { type: 'string', value: '<text>', description: 'title of the HTML report' },
    'drift-share': {
      type: 'string',
      value: '<0..1>',
      description: 'share of drifted columns that means dataset drift (default 0.5)',
    },
    'fail-on-drift': {
      type: 'boolean',
      description: `exit ${EXIT_CODES.drift} when the dataset drifted (for CI and cron jobs)`,
    },
  },
  async run(context, _args, options) {
    const referenceSpec = stringOption(options, 'reference');
    const currentSpec = stringOption(options, 'current');
    if (referenceSpec === undefined || currentSpec === undefined) {
      throw new UsageError(
        'Give both --reference <table> and --current <table>; see mlinfra drift report --help',
      );
    }
    const shareText = stringOption(options, 'drift-share');
    const driftShare = shareText === undefined ? undefined : Number(shareText);
    if (driftShare !== undefined && !(driftShare > 0 && driftShare <= 1)) {
      throw new UsageError(`--drift-share must be in (0, 1]; got ${JSON.stringify(shareText)}`);
    }
    const [reference, current] = await Promise.all([
      loadTable(context, referenceSpec, 'Reference'),
      loadTable(context, currentSpec, 'Current'),
    ]);
    if (current.kind === 'data' && current.rows === 0) {
      throw new ValidationError(
        `Current ${current.source} has no rows; send traffic or pick another file`,
      );
    }
    const ignore = list(stringOption(options, 'ignore')) ?? [];
    const currentColumns = new Set(columnsOf(current));
    const columns =
      list(stringOption(options, 'columns')) ??
      columnsOf(reference).filter((name) => currentColumns.has(name) && !ignore.includes(name));
    if (columns.length === 0) {
      throw new ValidationError(
        `${reference.source} and ${current.source} share no column; pass --columns, or check that the files describe the same features`,
      );
    }
    const { detectDrift, renderHtmlReport } = await import('@mlinfra/drift');
    const side = (loaded: typeof reference) =>
      loaded.kind === 'profile' ? loaded.profile : loaded.columns;
    const result = detectDrift(side(reference), side(current), {
      columns,
      ...(driftShare === undefined ? {} : { driftShare }),
      ...(columns.includes('prediction') ? { predictionColumns: ['prediction'] } : {}),
    });
    const html = stringOption(options, 'html');
    if (html !== undefined) {
      await writeFile(
        resolve(context.io.cwd, html),
        renderHtmlReport(result, {
          title:
            stringOption(options, 'title') ?? `Drift: ${current.source} vs ${reference.source}`,
        }),
      );
    }
    emit(
      context,
      { ...result, html: html === undefined ? null : resolve(context.io.cwd, html) },
      () =>
        [
          `${result.datasetDrift ? 'DRIFT' : 'No dataset drift'}: ${result.driftedColumns} of ${result.columnCount} columns drifted (share ${result.driftShare.toFixed(2)}, threshold ${result.driftShareThreshold}); ${result.referenceRows} reference rows, ${result.currentRows} current rows`,
          '',
          table(
            ['column', 'kind', 'test', 'statistic', 'p-value', 'threshold', 'drifted'],
            result.columns.map((column) => [
              column.column,
              column.kind,
              column.test,
              column.statistic,
              column.pValue,
              column.threshold,
              column.drifted ? 'yes' : 'no',
            ]),
          ),
          ...(html === undefined ? [] : ['', `HTML report: ${resolve(context.io.cwd, html)}`]),
        ].join('\n'),
    );
    return result.datasetDrift && options['fail-on-drift'] === true
      ? EXIT_CODES.drift
      : EXIT_CODES.ok;
  },
};

/** `mlinfra drift ...`. */
export const driftCommands: Command[] = [report];
