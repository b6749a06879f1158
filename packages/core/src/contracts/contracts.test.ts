import { readFile } from 'node:fs/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  BudgetDecision,
  BudgetGuard,
  JsonValue,
  ModelSource,
  PredictionSink,
  RunLogger,
} from '../contracts-entry.js';

describe('@mlinfra/core/contracts', () => {
  it('is type-only: the entry and its modules have no runtime code', async () => {
    const entry = await import('../contracts-entry.js');
    expect(Object.keys(entry)).toEqual([]);
    for (const file of [
      'budget-guard',
      'json-value',
      'model-source',
      'prediction-sink',
      'run-logger',
    ]) {
      const text = await readFile(new URL(`./${file}.ts`, import.meta.url), 'utf8');
      expect(text).not.toMatch(/^export (const|function|class|let)/m);
    }
  });

  it('plain objects satisfy the contracts structurally', () => {
    const guard = { charge: (_seconds: number) => ({ stop: false }) };
    expectTypeOf(guard).toExtend<BudgetGuard>();
    expectTypeOf<{ stop: true; reason: 'x'; spent: number }>().toExtend<BudgetDecision>();
    const logger = {
      logParams: async (_p: Record<string, string | number | boolean>) => undefined,
      logMetrics: async (_v: Record<string, number>, _o: { step: number }) => undefined,
    };
    expectTypeOf(logger).toExtend<RunLogger>();
    const source = {
      resolve: async (reference: string) => ({ name: reference, version: 1, artifact: 'a' }),
    };
    expectTypeOf(source).toExtend<ModelSource>();
    expectTypeOf({ a: [1, 'x', null, { b: true }] }).toExtend<JsonValue>();
    const sink: PredictionSink = { write: () => undefined };
    expect(typeof sink.write).toBe('function');
    // @ts-expect-error a Date does not survive JSON
    const notJson: JsonValue = { at: new Date(0) };
    expect(notJson).toBeDefined();
  });
});
