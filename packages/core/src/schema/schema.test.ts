import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.js';
import { inferSchema } from './infer-schema.js';
import { rowValidator, validateRows } from './row-validator.js';
import { parseSchema } from './table-schema.js';

describe('inferSchema', () => {
  it('infers types and nullability from row objects', () => {
    const schema = inferSchema([
      { id: 1, score: 0.5, name: 'a', ok: true, at: new Date(0), big: 2 ** 40 },
      { id: 2, score: 1, name: null, ok: false, at: new Date(1), big: 3n },
    ]);
    expect(schema.columns).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'score', type: 'float64', nullable: false },
      { name: 'name', type: 'string', nullable: true },
      { name: 'ok', type: 'bool', nullable: false },
      { name: 'at', type: 'timestamp', nullable: false },
      { name: 'big', type: 'int64', nullable: false },
    ]);
  });

  it('keeps typed-array types of column arrays and infers categories on request', () => {
    const schema = inferSchema(
      { x: new Float32Array(3), n: new Int32Array(3), color: ['red', 'blue', 'red'] },
      { maxCategories: 5 },
    );
    expect(schema.columns).toEqual([
      { name: 'x', type: 'float32', nullable: false },
      { name: 'n', type: 'int32', nullable: false },
      { name: 'color', type: 'category', nullable: false, categories: ['blue', 'red'] },
    ]);
  });

  it('reports every mixed column and length mismatch at once', () => {
    let caught: unknown;
    try {
      inferSchema({ a: [1, 'x'], b: [true, 2, 3] });
    } catch (error) {
      caught = error;
    }
    expect(ValidationError.isInstance(caught)).toBe(true);
    const issues = (caught as ValidationError).issues;
    expect(issues.map((issue) => issue.path[0])).toEqual(['a', 'b', 'b']);
  });

  it('any array of finite numbers infers a numeric type that validates those numbers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }),
        (values) => {
          const schema = inferSchema({ v: values });
          expect(['float64', 'int32', 'int64']).toContain(schema.columns[0]!.type);
          validateRows(
            schema,
            values.map((v) => ({ v })),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('parseSchema', () => {
  it('accepts a valid schema and rejects every problem of a bad one', () => {
    expect(parseSchema({ columns: [{ name: 'a', type: 'int32' }] })).toEqual({
      columns: [{ name: 'a', type: 'int32' }],
    });
    const problems = (value: unknown) => {
      try {
        parseSchema(value);
        return [];
      } catch (error) {
        expect(ValidationError.isInstance(error)).toBe(true);
        return (error as ValidationError).issues.map((issue) => issue.message);
      }
    };
    expect(
      problems({
        columns: [
          { name: 'a', type: 'decimal' },
          { name: '', type: 'int32' },
        ],
      }),
    ).toHaveLength(2);
    const semantic = problems({
      columns: [
        { name: 'a', type: 'int32' },
        { name: 'a', type: 'float64', min: 2, max: 1 },
        { name: 'b', type: 'string', categories: ['x'] },
      ],
    });
    expect(semantic).toHaveLength(3);
    expect(semantic[0]).toContain('duplicate column name "a"');
  });
});

describe('validateRows', () => {
  const schema = parseSchema({
    columns: [
      { name: 'id', type: 'int32', unique: true },
      { name: 'age', type: 'float64', min: 0, max: 150 },
      { name: 'plan', type: 'category', categories: ['free', 'pro'], nullable: true },
    ],
  });

  it('passes good rows', () => {
    expect(() =>
      validateRows(schema, [
        { id: 1, age: 30, plan: 'pro' },
        { id: 2, age: 0, plan: null },
      ]),
    ).not.toThrow();
  });

  it('lists every failing value, duplicates and unknown keys included', () => {
    let caught: ValidationError | undefined;
    try {
      validateRows(schema, [
        { id: 1, age: -1, plan: 'gold' },
        { id: 1, age: 'old', plan: 'free' },
        { id: 3, age: 20, plan: 'free', extra: 1 },
      ]);
    } catch (error) {
      caught = error as ValidationError;
    }
    const paths = caught?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['0.age', '0.plan', '1.age', '1.id', '2']));
  });

  it('rowValidator is a zod schema usable on its own', () => {
    const validator = rowValidator(schema);
    expect(validator.safeParse({ id: 5, age: 10 }).success).toBe(true);
    expect(validator.safeParse({ id: 5.5, age: 10 }).success).toBe(false);
  });
});
