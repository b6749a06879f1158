import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from './mlinfra-error.js';
import { parseOptions } from './parse-options.js';

const schema = z.strictObject({
  epochs: z.number().optional(),
  batchSize: z.number().optional(),
  checkpoint: z
    .strictObject({
      name: z.string(),
      keepBest: z.strictObject({ monitor: z.string() }).optional(),
    })
    .optional(),
  layers: z.array(z.strictObject({ units: z.number() })).optional(),
});

function issuesOf(value: unknown) {
  try {
    parseOptions(schema, value, 'test options');
  } catch (error) {
    expect(ValidationError.isInstance(error)).toBe(true);
    return {
      message: (error as ValidationError).message,
      issues: (error as ValidationError).issues,
    };
  }
  throw new Error('parseOptions accepted the value');
}

describe('parseOptions', () => {
  it('names the nearest known key for an unknown key at the top level', () => {
    const { message, issues } = issuesOf({ epoch: 5 });
    expect(issues).toEqual([
      { path: ['epoch'], message: expect.stringContaining('did you mean "epochs"?') },
    ]);
    expect(message).toContain('epoch: Unknown key "epoch"; did you mean "epochs"?');
  });

  it('names the nearest known key inside nested objects, optionals and arrays', () => {
    const { issues } = issuesOf({
      checkpoint: { name: 'a', keepbest: {} },
      layers: [{ units: 1 }, { unit: 2 }],
    });
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining([
        ['checkpoint', 'keepbest'],
        ['layers', 1, 'unit'],
      ]),
    );
    expect(issues.find((issue) => issue.path[0] === 'checkpoint')?.message).toContain(
      'did you mean "keepBest"?',
    );
    expect(issues.find((issue) => issue.path[2] === 'unit')?.message).toContain(
      'did you mean "units"?',
    );
    const nested = issuesOf({ checkpoint: { name: 'a', keepBest: { monitr: 'x' } } });
    expect(nested.issues.find((issue) => issue.path[2] === 'monitr')?.message).toContain(
      'did you mean "monitor"?',
    );
  });

  it('prefers a known key that the unknown one starts', () => {
    expect(issuesOf({ batch: 1 }).issues[0]?.message).toContain('did you mean "batchSize"?');
  });

  it('returns parsed values and keeps other issues as they are', () => {
    expect(parseOptions(schema, { epochs: 2 }, 'test options')).toEqual({ epochs: 2 });
    const { issues } = issuesOf({ epochs: 'x' });
    expect(issues[0]?.path).toEqual(['epochs']);
  });
});

describe('parseOptions and __proto__', () => {
  it('refuses an own __proto__ key anywhere in the options instead of dropping it', async () => {
    const { parseOptions } = await import('./parse-options.js');
    const { z } = await import('zod');
    const schema = z.strictObject({ tags: z.record(z.string(), z.string()) });
    expect(parseOptions(schema, { tags: { a: 'b' } }, 'test options')).toEqual({
      tags: { a: 'b' },
    });
    let caught: unknown;
    try {
      parseOptions(schema, JSON.parse('{"tags":{"a":"b","__proto__":"x"}}'), 'test options');
    } catch (error) {
      caught = error;
    }
    expect(ValidationError.isInstance(caught)).toBe(true);
    expect((caught as ValidationError).issues[0]!.path).toEqual(['tags', '__proto__']);
    // Without the check, zod would have returned { tags: { a: 'b' } } and lost the key.
    expect(schema.parse(JSON.parse('{"tags":{"a":"b","__proto__":"x"}}'))).toEqual({
      tags: { a: 'b' },
    });
  });
});
