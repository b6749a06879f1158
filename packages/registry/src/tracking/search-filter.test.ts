import { ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { compileFilter, compileOrder } from './search-filter.js';

describe('compileFilter', () => {
  it('binds every value as a parameter, never into the SQL text', () => {
    const compiled = compileFilter(
      `tags.note = 'x''; DROP TABLE runs; --' and metrics.\`val loss\` <= -1.5e-3`,
    );
    expect(compiled.sql).not.toContain('DROP');
    expect(compiled.parameters).toEqual(['note', "x'; DROP TABLE runs; --", 'val loss', -0.0015]);
  });

  it('accepts quoted keys, ILIKE and attribute names', () => {
    const compiled = compileFilter(
      `params."batch size" = "64" AND name ILIKE 'Base%' and start_time > 0`,
    );
    expect(compiled.parameters).toEqual(['batch size', '64', 'Base%', 0]);
    expect(compiled.sql).toContain('LOWER(r.name) LIKE LOWER(?)');
    expect(compiled.sql).toContain('r.started_at > ?');
  });

  it('is the empty condition for an empty filter', () => {
    expect(compileFilter('  ')).toEqual({ sql: '1 = 1', parameters: [] });
  });

  it.each([
    ['metrics.loss', /Incomplete clause/],
    ['metrics.loss ~ 1', /Cannot parse|Unknown operator/],
    ['status = finished', /number or a quoted string/],
    ['name LIKE 5', /quoted pattern/],
    ['attributes.colour = 1', /Unknown field/],
  ])('rejects %s', (filter, message) => {
    expect(() => compileFilter(filter)).toThrow(ValidationError);
    expect(() => compileFilter(filter)).toThrow(message);
  });
});

describe('compileOrder', () => {
  it('joins metric and param columns and sorts missing values last', () => {
    const compiled = compileOrder('metrics.val_loss ASC, params.lr DESC, end_time');
    expect(compiled.joins.parameters).toEqual(['val_loss', 'lr']);
    expect(compiled.order).toContain('CASE WHEN o0.value IS NULL THEN 1 ELSE 0 END');
    expect(compiled.order).toContain('r.ended_at ASC');
  });
});
