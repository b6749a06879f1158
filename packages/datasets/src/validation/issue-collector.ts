import type { ValidationIssue } from '@mlinfra/core';

interface Entry {
  path: Array<string | number>;
  problem: string;
  count: number;
  firstRow: number | undefined;
  example: unknown;
}

function show(value: unknown): string {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

/**
 * Collects problems grouped by (path, problem), counting occurrences, so a million bad values
 * give one issue line instead of a million.
 */
export class IssueCollector {
  private readonly entries = new Map<string, Entry>();

  /** Records one occurrence of `problem` at `path`, seen at absolute `row` with `example` value. */
  add(path: Array<string | number>, problem: string, row?: number, example?: unknown): void {
    const key = `${path.join('\u0000')}\u0001${problem}`;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    this.entries.set(key, { path, problem, count: 1, firstRow: row, example });
  }

  /** Number of distinct problems. */
  get size(): number {
    return this.entries.size;
  }

  /** The grouped problems as validation issues. */
  toIssues(): ValidationIssue[] {
    return [...this.entries.values()].map((entry) => {
      let message = entry.problem;
      if (entry.firstRow !== undefined) {
        const times = entry.count === 1 ? 'in row' : `in ${entry.count} rows, first in row`;
        message += ` (${times} ${entry.firstRow}${entry.example === undefined ? '' : `: ${show(entry.example)}`})`;
      }
      return { path: entry.path, message };
    });
  }
}
