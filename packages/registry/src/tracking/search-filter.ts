import { ValidationError } from '@mlinfra/core';
import { dialectRules, type SqlDialectRules } from '../driver/dialect.js';
import type { SqlValue } from '../driver/sql-driver.js';

/** SQL produced from a search filter or order: a fragment plus its bound values. */
export interface SqlFragment {
  sql: string;
  parameters: SqlValue[];
}

const ATTRIBUTES: Record<string, string> = {
  status: 'r.status',
  name: 'r.name',
  run_name: 'r.name',
  run_id: 'r.id',
  id: 'r.id',
  start_time: 'r.started_at',
  started_at: 'r.started_at',
  end_time: 'r.ended_at',
  ended_at: 'r.ended_at',
  code_version: 'r.code_version',
  created_by: 'r.created_by',
};

const OPERATORS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=', 'LIKE', 'ILIKE']);

type Field =
  | { kind: 'metric' | 'param' | 'tag'; key: string }
  | { kind: 'attribute'; column: string };

type Token = { type: 'word' | 'string' | 'number' | 'operator'; text: string };

const TOKEN =
  /\s*(?:(`[^`]*`|"(?:[^"\\]|\\.|"")*"|'(?:[^'\\]|\\.|'')*')|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![A-Za-z0-9_.])|(<=|>=|!=|<>|=|<|>)|([A-Za-z_][A-Za-z0-9_\-/]*(?:\.(?:`[^`]*`|"[^"]*"|[A-Za-z0-9_.\-/]+))?))/y;

function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (match === null) {
      throw new ValidationError(
        `Cannot parse the ${what} ${JSON.stringify(text)} at character ${position + 1}; write clauses such as "metrics.val_loss < 0.5 and params.optimizer = 'adam'"`,
      );
    }
    position = TOKEN.lastIndex;
    if (match[1] !== undefined) {
      const quote = match[1][0];
      const body = match[1].slice(1, -1);
      tokens.push({
        type: quote === '`' ? 'word' : 'string',
        text:
          quote === '`'
            ? body
            : body.replace(
                /\\(.)|('')|("")/g,
                (_, escaped, single, double) =>
                  escaped ?? (single !== undefined ? "'" : double !== undefined ? '"' : ''),
              ),
      });
    } else if (match[2] !== undefined) tokens.push({ type: 'number', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ type: 'operator', text: match[3] });
    else tokens.push({ type: 'word', text: match[4]! });
  }
  return tokens;
}

function parseField(text: string, what: string): Field {
  const dot = text.indexOf('.');
  if (dot > 0) {
    const prefix = text.slice(0, dot).toLowerCase();
    let key = text.slice(dot + 1);
    if (/^(`.*`|".*")$/.test(key)) key = key.slice(1, -1);
    if (key.length > 0) {
      if (prefix === 'metrics' || prefix === 'metric') return { kind: 'metric', key };
      if (prefix === 'params' || prefix === 'param') return { kind: 'param', key };
      if (prefix === 'tags' || prefix === 'tag') return { kind: 'tag', key };
      if (prefix === 'attributes' || prefix === 'attribute') {
        const column = ATTRIBUTES[key.toLowerCase()];
        if (column !== undefined) return { kind: 'attribute', column };
      }
    }
  } else {
    const column = ATTRIBUTES[text.toLowerCase()];
    if (column !== undefined) return { kind: 'attribute', column };
  }
  throw new ValidationError(
    `Unknown field "${text}" in the ${what}; use metrics.<key>, params.<key>, tags.<key> or one of ${Object.keys(ATTRIBUTES).join(', ')}`,
  );
}

/**
 * Translates a filter such as `metrics.val_loss < 0.5 and params.optimizer = 'adam'` into a SQL
 * condition on the runs table aliased `r`. Clauses are joined with AND; operators are
 * `= != < <= > >= LIKE ILIKE`; values are numbers or quoted strings. Metrics compare their latest
 * value; parameters compare as text with `=`/`LIKE` and as numbers with `<`/`>`.
 */
export function compileFilter(
  filter: string,
  dialect: SqlDialectRules = dialectRules('sqlite'),
): SqlFragment {
  const what = 'filter';
  const tokens = tokenize(filter, what);
  const clauses: string[] = [];
  const parameters: SqlValue[] = [];
  let index = 0;
  while (index < tokens.length) {
    if (clauses.length > 0) {
      const and = tokens[index];
      if (and?.type !== 'word' || and.text.toUpperCase() !== 'AND') {
        throw new ValidationError(
          `Expected "and" between clauses of the filter ${JSON.stringify(filter)}; only AND is supported, so run several searches for OR`,
        );
      }
      index++;
    }
    const [fieldToken, operatorToken, valueToken] = tokens.slice(index, index + 3);
    index += 3;
    if (fieldToken?.type !== 'word' || operatorToken === undefined || valueToken === undefined) {
      throw new ValidationError(
        `Incomplete clause in the filter ${JSON.stringify(filter)}; each clause is <field> <operator> <value>, such as metrics.auc >= 0.9`,
      );
    }
    const field = parseField(fieldToken.text, what);
    const operator = operatorToken.text.toUpperCase();
    if (!OPERATORS.has(operator)) {
      throw new ValidationError(
        `Unknown operator "${operatorToken.text}" in the filter; use one of ${[...OPERATORS].join(' ')}`,
      );
    }
    if (valueToken.type !== 'number' && valueToken.type !== 'string') {
      throw new ValidationError(
        `The value after "${fieldToken.text} ${operatorToken.text}" must be a number or a quoted string, got ${valueToken.text}`,
      );
    }
    const isLike = operator === 'LIKE' || operator === 'ILIKE';
    const isOrdering = operator.startsWith('<') || operator.startsWith('>');
    const sqlOperator = operator === '<>' ? '!=' : operator;
    const numeric = valueToken.type === 'number';
    const value: SqlValue = numeric ? Number(valueToken.text) : valueToken.text;
    const compare = (expression: string): string =>
      isLike ? dialect.like(expression, operator) : `${expression} ${sqlOperator} ?`;
    if (field.kind === 'metric') {
      if (!numeric) {
        throw new ValidationError(
          `Metrics compare with numbers: write metrics.${field.key} ${operatorToken.text} 0.5, not a string`,
        );
      }
      clauses.push(
        `EXISTS (SELECT 1 FROM metric_series m WHERE m.run_id = r.id AND m.key = ? AND ${compare('m.value')})`,
      );
      parameters.push(field.key, value);
    } else if (field.kind === 'param') {
      if (isOrdering && numeric) {
        clauses.push(
          `EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = ? AND (CASE WHEN p.type = 'number' THEN CAST(p.value AS DOUBLE PRECISION) END) ${sqlOperator} ?)`,
        );
        parameters.push(field.key, value);
      } else {
        clauses.push(
          `EXISTS (SELECT 1 FROM run_params p WHERE p.run_id = r.id AND p.key = ? AND ${compare('p.value')})`,
        );
        parameters.push(field.key, String(value));
      }
    } else if (field.kind === 'tag') {
      clauses.push(
        `EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.key = ? AND ${compare('t.value')})`,
      );
      parameters.push(field.key, String(value));
    } else if (field.kind === 'attribute') {
      if (isLike && numeric) {
        throw new ValidationError(`LIKE needs a quoted pattern, such as name LIKE 'baseline-%'`);
      }
      clauses.push(compare(field.column));
      parameters.push(value);
    }
  }
  return { sql: clauses.length === 0 ? '1 = 1' : clauses.join(' AND '), parameters };
}

/**
 * Translates an order such as `metrics.val_loss ASC, start_time DESC` into joins and an ORDER BY
 * list. Runs without the metric or param sort last in either direction.
 */
export function compileOrder(orderBy: string): { joins: SqlFragment; order: string } {
  const joins: string[] = [];
  const parameters: SqlValue[] = [];
  const terms: string[] = [];
  for (const [position, part] of orderBy.split(',').entries()) {
    const tokens = tokenize(part, 'orderBy');
    const [fieldToken, directionToken, extra] = tokens;
    const direction = (directionToken?.text ?? 'ASC').toUpperCase();
    if (
      fieldToken?.type !== 'word' ||
      extra !== undefined ||
      (direction !== 'ASC' && direction !== 'DESC')
    ) {
      throw new ValidationError(
        `Cannot parse orderBy ${JSON.stringify(orderBy)}; write "<field> ASC" or "<field> DESC", comma-separated, such as "metrics.val_loss ASC"`,
      );
    }
    const field = parseField(fieldToken.text, 'orderBy');
    let expression: string;
    if (field.kind === 'attribute') expression = field.column;
    else {
      const alias = `o${position}`;
      const table =
        field.kind === 'metric'
          ? 'metric_series'
          : field.kind === 'param'
            ? 'run_params'
            : 'run_tags';
      joins.push(`LEFT JOIN ${table} ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ?`);
      parameters.push(field.key);
      expression =
        field.kind === 'param'
          ? `(CASE WHEN ${alias}.type = 'number' THEN CAST(${alias}.value AS DOUBLE PRECISION) END), ${alias}.value`
          : `${alias}.value`;
      terms.push(`(CASE WHEN ${alias}.value IS NULL THEN 1 ELSE 0 END)`);
    }
    for (const piece of expression.split(', ')) terms.push(`${piece} ${direction}`);
  }
  return { joins: { sql: joins.join(' '), parameters }, order: terms.join(', ') };
}
