import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parseCsvRecords, ValidationError } from '@mlinfra/core';
import type { DatasetProfile } from '@mlinfra/drift';
import { openHomeDatasets } from '../cli/home.js';
import type { CommandContext } from '../cli/output.js';

/** A table as drift takes it: column arrays, or a stored profile. */
export type LoadedTable =
  | { kind: 'data'; columns: Record<string, unknown[]>; rows: number; source: string }
  | { kind: 'profile'; profile: DatasetProfile; source: string };

function toCell(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return value;
}

function fromRows(rows: ReadonlyArray<Record<string, unknown>>, source: string): LoadedTable {
  // A Map, so a column named `__proto__` is a column like any other.
  const columns = new Map<string, unknown[]>();
  rows.forEach((row, index) => {
    for (const [name, value] of Object.entries(row)) {
      let column = columns.get(name);
      if (column === undefined) {
        column = new Array<unknown>(rows.length).fill(null);
        columns.set(name, column);
      }
      column[index] = toCell(value);
    }
  });
  return { kind: 'data', columns: Object.fromEntries(columns), rows: rows.length, source };
}

/** A CSV/TSV file's rows, read by core's RFC 4180 reader; numbers become numbers. */
function parseCsv(text: string, delimiter: string, source: string): Array<Record<string, unknown>> {
  const records = parseCsvRecords(text, { delimiter, source: `CSV file ${source}` });
  const header = records.shift()?.fields.map((name, index) => name ?? `column_${index + 1}`) ?? [];
  return records.map(({ fields, line }) => {
    if (fields.length !== header.length) {
      throw new ValidationError(
        `CSV file ${source} line ${line} has ${fields.length} fields but the header has ${header.length}; fix the row or quote fields that contain "${delimiter}"`,
      );
    }
    return Object.fromEntries(
      header.map((name, index) => {
        const cell = fields[index] ?? null;
        const number = Number(cell);
        return [
          name,
          cell === null ? null : Number.isFinite(number) && cell.trim() !== '' ? number : cell,
        ];
      }),
    );
  });
}

/**
 * A prediction-log record (`@mlinfra/serving`) as a row: its raw inputs plus `prediction` (the
 * single output, or the index of the largest one for class scores).
 */
function predictionRow(record: Record<string, unknown>): Record<string, unknown> {
  const inputs = record.inputs;
  const outputs = record.outputs as number[];
  const row: Record<string, unknown> = Array.isArray(inputs)
    ? Object.fromEntries(inputs.map((value, index) => [`x${index}`, value]))
    : { ...(inputs as Record<string, unknown>) };
  if (outputs.length === 1) row.prediction = outputs[0];
  else {
    let best = 0;
    outputs.forEach((value, index) => {
      if (value > outputs[best]!) best = index;
    });
    row.prediction = String(best);
  }
  return row;
}

function isPredictionRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'inputs' in value &&
    Array.isArray((value as { outputs?: unknown }).outputs)
  );
}

/**
 * Loads `dataset:<name>[@<ref>]` from the home, or a file: `.csv`/`.tsv`, `.json` (rows or a drift
 * profile), `.jsonl` (rows, or a serving prediction log), `.parquet`.
 * @throws ValidationError naming the file when it cannot be read as a table.
 */
export async function loadTable(
  context: CommandContext,
  spec: string,
  what: string,
): Promise<LoadedTable> {
  if (spec.startsWith('dataset:')) {
    const [name, reference] = spec.slice('dataset:'.length).split('@');
    if (name === undefined || name === '') {
      throw new ValidationError(
        `${what} "${spec}" names no dataset; write dataset:<name> or dataset:<name>@<version|tag|branch>`,
      );
    }
    const datasets = await openHomeDatasets(context);
    const handle = datasets.dataset(name, reference ?? 'main');
    return fromRows(await handle.rows(), spec);
  }
  const path = resolve(context.io.cwd, spec);
  const extension = extname(path).toLowerCase();
  if (extension === '.parquet') {
    const { readParquet } = await import('@mlinfra/datasets');
    const columns = (await readParquet(path)) as unknown as Record<string, ArrayLike<unknown>>;
    const converted: Record<string, unknown[]> = {};
    let rows = 0;
    for (const [name, values] of Object.entries(columns)) {
      converted[name] = Array.from(values as ArrayLike<unknown>, toCell);
      rows = converted[name].length;
    }
    return { kind: 'data', columns: converted, rows, source: spec };
  }
  const text = await readFile(path, 'utf8');
  if (extension === '.csv' || extension === '.tsv') {
    return fromRows(parseCsv(text, extension === '.tsv' ? '\t' : ',', spec), spec);
  }
  if (extension === '.jsonl' || extension === '.ndjson') {
    const rows: Array<Record<string, unknown>> = [];
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ValidationError(
          `${what} ${spec} line ${index + 1} is not JSON; fix or remove the line`,
        );
      }
      if (isPredictionRecord(value)) {
        if (value.shadow !== true) rows.push(predictionRow(value));
      } else rows.push(value as Record<string, unknown>);
    });
    return fromRows(rows, spec);
  }
  if (extension === '.json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ValidationError(`${what} ${spec} is not valid JSON (${(error as Error).message})`);
    }
    if (
      typeof value === 'object' &&
      value !== null &&
      (value as { format?: unknown }).format === 'mlinfra.drift.profile'
    ) {
      return { kind: 'profile', profile: value as DatasetProfile, source: spec };
    }
    if (Array.isArray(value)) return fromRows(value as Array<Record<string, unknown>>, spec);
    throw new ValidationError(`${what} ${spec} must hold an array of rows or a drift profile`);
  }
  throw new ValidationError(
    `${what} ${spec}: unknown file type; use .csv, .tsv, .json, .jsonl (rows or a prediction log), .parquet, or dataset:<name>[@<ref>]`,
  );
}

/** Column names of a loaded table. */
export function columnsOf(table: LoadedTable): string[] {
  return table.kind === 'profile' ? Object.keys(table.profile.columns) : Object.keys(table.columns);
}
