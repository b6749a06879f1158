import { ValidationError } from '@mlinfra/core/schema';
import type { AllocationReport } from '../allocation/allocate.js';
import type { BudgetStatus } from '../budget/budget.js';
import type { CheapestReport } from '../estimate/cheapest.js';
import type { ServingEstimate } from '../estimate/serving.js';
import type { ScenarioEstimate, TrainingEstimate } from '../estimate/training.js';
import { formatMoney, toDecimalString } from '../money/money.js';
import type { Money } from '../money/money-type.js';

/** Any report this package produces. */
export type CostReport =
  | AllocationReport
  | BudgetStatus
  | CheapestReport
  | ServingEstimate
  | TrainingEstimate;

/** Output formats of {@link renderReport}. */
export type ReportFormat = 'json' | 'table' | 'markdown';

interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  notes: string[];
}

/**
 * Renders a report as JSON (amounts as `{ amount: '12.340000', micros, currency }`, dates as ISO
 * strings, `Infinity` as the string `"Infinity"`), a terminal table or a markdown table. Every amount
 * states its currency.
 * @throws ValidationError for an unknown format or an object that is not a report of this package.
 */
export function renderReport(report: CostReport, format: ReportFormat = 'table'): string {
  if (format === 'json') return `${JSON.stringify(report, jsonReplacer, 2)}\n`;
  const table = toTable(report);
  if (format === 'table') return renderText(table);
  if (format === 'markdown') return renderMarkdown(table);
  throw new ValidationError(
    `Unknown report format ${JSON.stringify(format)}; use 'json', 'table' or 'markdown'`,
  );
}

function isMoney(value: unknown): value is Money {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Money).micros === 'number' &&
    typeof (value as Money).currency === 'string' &&
    Object.keys(value).length === 2
  );
}

function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (isMoney(value))
    return { amount: toDecimalString(value), micros: value.micros, currency: value.currency };
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

const hours = (seconds: number) =>
  Number.isFinite(seconds) ? `${(seconds / 3600).toFixed(seconds < 36 ? 4 : 2)} h` : 'never';
const fixed = (value: number, digits = 2) =>
  Number.isFinite(value) ? value.toFixed(digits) : String(value);

function toTable(report: CostReport): Table {
  switch (report?.kind) {
    case 'training-estimate':
      return trainingTable(report);
    case 'serving-estimate':
      return {
        title: `Serving on ${report.instance} (${report.provider} ${report.region}${report.spot ? ', spot' : ''})`,
        headers: [
          'replicas',
          'instances',
          'utilization',
          'price/h',
          'cost/h',
          'cost/month',
          'cost/1k predictions',
        ],
        rows: [
          [
            String(report.replicas),
            String(report.instances),
            `${fixed(report.utilization * 100, 1)}%`,
            formatMoney(report.pricePerHour),
            formatMoney(report.costPerHour),
            formatMoney(report.costPerMonth),
            formatMoney(report.costPer1000Predictions),
          ],
        ],
        notes: [`All amounts in ${report.currency}.`],
      };
    case 'cheapest':
      return {
        title: `Cheapest feasible resources${report.deadlineHours === undefined ? '' : ` (deadline ${report.deadlineHours} h)`}`,
        headers: [
          '#',
          'provider',
          'instance',
          'region',
          'GPUs',
          'capacity',
          'price/h',
          'expected time',
          'expected cost',
        ],
        rows: report.options.map((option, index) => [
          String(index + 1),
          option.entry.provider,
          option.entry.instanceType,
          option.entry.region,
          option.entry.acceleratorName === undefined
            ? '-'
            : `${option.entry.acceleratorCount}x ${option.entry.acceleratorName}`,
          option.spot ? 'spot' : 'on-demand',
          formatMoney(option.pricePerHour),
          hours(option.wallSeconds),
          formatMoney(option.cost),
        ]),
        notes: [
          ...(report.options.length === 0
            ? ['No option meets the constraints: relax the deadline or the hardware filter.']
            : []),
          `${report.considered} entries matched the hardware; ${report.missedDeadline} scenario(s) missed the deadline; ${report.unknownThroughput} had unknown throughput. Amounts in ${report.currency}.`,
        ],
      };
    case 'budget':
      return {
        title: `Budget ${report.name}${
          Object.keys(report.scope).length > 0
            ? ` (${Object.entries(report.scope)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')})`
            : ''
        }`,
        headers: ['resource', 'spent'],
        rows: Object.entries(report.byResource)
          .sort((a, b) => b[1].micros - a[1].micros)
          .map(([resource, spent]) => [resource, formatMoney(spent)]),
        notes: [
          `Spent ${formatMoney(report.spent)} of ${formatMoney(report.limit)} (${fixed(report.fraction * 100, 1)}%), remaining ${formatMoney(report.remaining)}${report.exhausted ? ' - EXHAUSTED' : ''}.`,
          `${report.charges} charge(s); alerts fired: ${report.alertsFired.length === 0 ? 'none' : report.alertsFired.map((a) => `${a * 100}%`).join(', ')}.`,
        ],
      };
    case 'allocation': {
      const resources = [
        ...new Set(report.rows.flatMap((row) => Object.keys(row.byResource))),
      ].sort();
      return {
        title: `Cost allocation by ${report.aggregate.join(', ')} (${report.window.start.toISOString()} to ${report.window.end.toISOString()})`,
        headers: ['group', ...resources, 'shared', 'idle', 'total', 'share'],
        rows: [
          ...report.rows.map((row) => [
            row.name,
            ...resources.map((resource) => {
              const value = row.byResource[resource];
              return value === undefined ? '-' : formatMoney(value);
            }),
            formatMoney(row.sharedCost),
            formatMoney(row.idleCost),
            formatMoney(row.totalCost),
            report.total.micros === 0
              ? '-'
              : `${fixed((row.totalCost.micros / report.total.micros) * 100, 1)}%`,
          ]),
          [
            'total',
            ...resources.map(() => ''),
            formatMoney(report.shared),
            formatMoney(report.idle),
            formatMoney(report.total),
            '100.0%',
          ],
        ],
        notes: [`${report.records} usage record(s). Amounts in ${report.currency}.`],
      };
    }
    default:
      throw new ValidationError(
        'renderReport() takes a report of @mlinfra/cost (an object with kind)',
      );
  }
}

function trainingTable(report: TrainingEstimate): Table {
  const scenarios: [string, ScenarioEstimate][] = [];
  if (report.onDemand !== undefined) scenarios.push(['on-demand', report.onDemand]);
  if (report.spot !== undefined) scenarios.push(['spot', report.spot]);
  return {
    title: `Training on ${report.instances > 1 ? `${report.instances}x ` : ''}${report.instance} (${report.provider} ${report.region}), ${hours(report.computeSeconds)} of compute`,
    headers: [
      'capacity',
      'price/h',
      'wall time',
      'checkpoints',
      'preemptions',
      'lost work',
      'cost',
    ],
    rows: scenarios.map(([name, scenario]) => [
      name + (report.cheapest === name && scenarios.length > 1 ? ' *' : ''),
      formatMoney(scenario.pricePerHour),
      hours(scenario.wallSeconds),
      String(scenario.checkpoints),
      fixed(scenario.expectedPreemptions),
      hours(scenario.lostWorkSeconds),
      formatMoney(scenario.cost),
    ]),
    notes: [
      `Expected values. Amounts in ${report.currency}.${scenarios.length > 1 ? ' * cheapest.' : ''}`,
    ],
  };
}

function renderText(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = table.headers.map((_, column) =>
    table.rows.every((row) => /^[-\d.,%\s]*[A-Z]{0,3}$|^-$|^\d/.test(row[column] ?? '')),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return `${[table.title, '', line(table.headers), rule, ...table.rows.map(line), '', ...table.notes].join('\n')}\n`;
}

function renderMarkdown(table: Table): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  const numeric = table.headers.map((_, column) =>
    table.rows.every((row) => /^[-\d.,%\s]*[A-Z]{0,3}$|^-$|^\d/.test(row[column] ?? '')),
  );
  return `${[
    `### ${escapeCell(table.title)}`,
    '',
    `| ${table.headers.map(escapeCell).join(' | ')} |`,
    `|${numeric.map((right) => (right ? ' ---: ' : ' --- ')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
    '',
    ...table.notes.map(escapeCell),
  ].join('\n')}\n`;
}
