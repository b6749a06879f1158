import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BudgetExceededError, createStore, type Store, ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { money } from '../money/money.js';
import { type BudgetAlert, createBudget } from './budget.js';

const fixture = fileURLToPath(new URL('./__fixtures__/charge-many.ts', import.meta.url));
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('createBudget', () => {
  let folder: string;
  let store: Store;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-cost-budget-'));
    store = createStore(folder);
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('charges instance time from the catalog, fires each alert once and stops at the limit', async () => {
    const alerts: BudgetAlert[] = [];
    const budget = await createBudget({
      store,
      name: 'team-a/llm',
      limit: 10,
      currency: 'USD',
      onAlert: (alert) => void alerts.push(alert),
    });
    // p3.2xlarge in us-east-1: 3.06 USD/h, so 1 hour = 3.06 USD.
    const first = await budget.charge({
      resource: 'gpu',
      seconds: 3600,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
    });
    expect(first).toMatchObject({
      stop: false,
      charged: { micros: 3_060_000 },
      spent: { micros: 3_060_000 },
      remaining: { micros: 6_940_000 },
    });
    expect(first.alerts).toEqual([]);
    const second = await budget.charge({
      resource: 'gpu',
      seconds: 3600,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
    });
    expect(second.alerts.map((alert) => alert.threshold)).toEqual([0.5]);
    const third = await budget.charge({ resource: 'storage', amount: money('3.00', 'USD') });
    expect(third.alerts.map((alert) => alert.threshold)).toEqual([0.8]);
    expect(third.stop).toBe(false);
    const fourth = await budget.charge({
      resource: 'gpu',
      seconds: 600,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
    });
    // 9.12 + 0.51 = 9.63 < 10: not yet.
    expect(fourth).toMatchObject({ stop: false, spent: { micros: 9_630_000 } });
    const fifth = await budget.charge({
      resource: 'gpu',
      seconds: 600,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
    });
    expect(fifth).toMatchObject({
      stop: true,
      remaining: { micros: 0, currency: 'USD' },
      spent: { micros: 10_140_000 },
    });
    expect(fifth.reason).toMatch(
      /Budget "team-a\/llm" is exhausted: spent 10\.14 USD of 10\.00 USD/,
    );
    expect(fifth.alerts.map((alert) => alert.threshold)).toEqual([1]);
    const sixth = await budget.charge({
      resource: 'gpu',
      seconds: 1,
      instance: 'p3.2xlarge',
      region: 'us-east-1',
    });
    expect(sixth.stop).toBe(true);
    expect(sixth.alerts).toEqual([]);
    expect(alerts.map((alert) => alert.threshold)).toEqual([0.5, 0.8, 1]);
    const status = await budget.status();
    expect(status).toMatchObject({ exhausted: true, charges: 6, alertsFired: [0.5, 0.8, 1] });
    expect(status.byResource.storage).toEqual({ micros: 3_000_000, currency: 'USD' });
    await expect(budget.assertAvailable()).rejects.toSatisfy((error) =>
      BudgetExceededError.isInstance(error),
    );
  });

  it('persists in the store so a reopened budget continues, and a raised limit resumes work', async () => {
    const budget = await createBudget({ store, name: 'run-42', limit: money(1, 'USD') });
    await budget.charge({ seconds: 1800, pricePerHour: money(2, 'USD') });
    const reopened = await createBudget({
      store: createStore(folder),
      name: 'run-42',
      limit: money(1, 'USD'),
    });
    expect((await reopened.status()).spent.micros).toBe(1_000_000);
    await expect(reopened.assertAvailable()).rejects.toThrow(/exhausted/);
    const raised = await createBudget({ store, name: 'run-42', limit: money(5, 'USD') });
    expect(await raised.status()).toMatchObject({
      exhausted: false,
      spent: { micros: 1_000_000 },
      limit: { micros: 5_000_000 },
    });
    await expect(createBudget({ store, name: 'run-42', limit: money(5, 'EUR') })).rejects.toThrow(
      /does not convert currencies/,
    );
  });

  it('adds up tiny charges exactly instead of rounding each to zero', async () => {
    const budget = await createBudget({ store, name: 'tiny', limit: money(1, 'USD') });
    // 0.01 s at 0.036 USD/h is 0.1 micro-USD: 50 of them are exactly 5 micro-USD.
    for (let index = 0; index < 50; index++) {
      await budget.charge({ seconds: 0.01, pricePerHour: money('0.036', 'USD') });
    }
    expect((await budget.status()).spent.micros).toBe(5);
  });

  it('keeps every charge and fires each alert once with concurrent chargers on separate store handles', async () => {
    const fired: number[] = [];
    const open = () =>
      createBudget({
        store: createStore(folder),
        name: 'shared',
        limit: money(100, 'USD'),
        onAlert: (alert) => void fired.push(alert.threshold),
      });
    const budgets = await Promise.all([open(), open(), open()]);
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        budgets[index % 3]!.charge({ amount: money('3.50', 'USD'), resource: `r${index % 4}` }),
      ),
    );
    const status = await budgets[0]!.status();
    expect(status.spent.micros).toBe(105_000_000);
    expect(status.charges).toBe(30);
    expect(fired.sort()).toEqual([0.5, 0.8, 1]);
    expect(Object.values(status.byResource).reduce((sum, value) => sum + value.micros, 0)).toBe(
      105_000_000,
    );
  });

  it('applies concurrent charges on one handle together, in call order, with one write per batch', async () => {
    let updates = 0;
    const counting = {
      ...store,
      refs: {
        ...store.refs,
        update: (...args: Parameters<Store['refs']['update']>) => {
          updates++;
          return store.refs.update(...args);
        },
      },
    } as Store;
    const alerts: number[] = [];
    const budget = await createBudget({
      store: counting,
      name: 'server',
      limit: money(10, 'USD'),
      onAlert: (alert) => void alerts.push(alert.threshold),
    });
    updates = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        budget.charge({ amount: money('0.30', 'USD'), resource: 'predictions' }),
      ),
    );
    expect(results.map((result) => result.spent.micros)).toEqual(
      Array.from({ length: 40 }, (_, index) => (index + 1) * 300_000),
    );
    // 34 x 0.30 = 10.20 >= 10: the 34th charge is the first told to stop, and it carries the 100% alert.
    expect(results.findIndex((result) => result.stop)).toBe(33);
    expect(results[33]!.alerts.map((alert) => alert.threshold)).toEqual([1]);
    expect(alerts).toEqual([0.5, 0.8, 1]);
    expect(updates).toBeLessThan(10);
    expect(await budget.status()).toMatchObject({ charges: 40, spent: { micros: 12_000_000 } });
  });

  // The child processes run the package from source (tsx), so no build is needed.
  it('counts every charge of four processes charging one budget at once', async () => {
    const children = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', fixture, folder, 'multi', '10'], {
          cwd: packageRoot,
        }),
      ),
    );
    const fired = children.flatMap((child) => JSON.parse(child.stdout) as number[]);
    const budget = await createBudget({ store, name: 'multi', limit: money(100, 'USD') });
    const status = await budget.status();
    // 4 x 10 x 2.50 USD = 100 USD exactly: every alert, including the stop, fired exactly once.
    expect(status).toMatchObject({
      charges: 40,
      exhausted: true,
      spent: { micros: 100_000_000 },
    });
    expect(fired.sort()).toEqual([0.5, 0.8, 1]);
    expect(Object.keys(status.byResource)).toHaveLength(4);
  });

  it('spent is the exact sum of any charges and stop flips once, at the limit (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 60_000_000 }),
        async (amounts, limit) => {
          const fired: number[] = [];
          const budget = await createBudget({
            store,
            name: `property-${run++}`,
            limit: { micros: limit, currency: 'USD' },
            onAlert: (alert) => void fired.push(alert.threshold),
          });
          const results = await Promise.all(
            amounts.map((micros) => budget.charge({ amount: { micros, currency: 'USD' } })),
          );
          const total = amounts.reduce((a, b) => a + b, 0);
          const status = await budget.status();
          expect(status.spent.micros).toBe(total);
          expect(status.exhausted).toBe(total >= limit);
          expect(status.remaining.micros).toBe(Math.max(0, limit - total));
          let running = 0;
          results.forEach((result, index) => {
            running += amounts[index]!;
            expect(result.spent.micros).toBe(running);
            expect(result.stop).toBe(running >= limit);
          });
          expect(fired).toEqual([0.5, 0.8, 1].filter((threshold) => total >= threshold * limit));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('starts a monthly budget again each UTC month and keeps earlier totals', async () => {
    let clock = Date.parse('2026-01-30T12:00:00Z');
    const alerts: string[] = [];
    const budget = await createBudget({
      store,
      name: 'monthly',
      limit: money(10, 'USD'),
      period: 'month',
      now: () => clock,
      onAlert: (alert) =>
        void alerts.push(`${alert.at.toISOString().slice(0, 7)}:${alert.threshold}`),
    });
    expect((await budget.charge({ amount: money(12, 'USD') })).stop).toBe(true);
    await expect(budget.assertAvailable()).rejects.toThrow(/exhausted/);
    clock = Date.parse('2026-02-01T00:00:00Z');
    // The new month shows as fresh before any charge, and its first charge does not stop.
    expect(await budget.status()).toMatchObject({
      spent: { micros: 0 },
      exhausted: false,
      charges: 0,
    });
    const february = await budget.charge({ amount: money(6, 'USD') });
    expect(february).toMatchObject({ stop: false, spent: { micros: 6_000_000 } });
    const status = await budget.status();
    expect(status.periodStart.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(status.history).toEqual([
      { start: new Date('2026-01-01T00:00:00Z'), spent: money(12, 'USD') },
    ]);
    expect(alerts).toEqual(['2026-01:0.5', '2026-01:0.8', '2026-01:1', '2026-02:0.5']);
    // A reopened handle (another process) keeps the stored period without naming it.
    const reopened = await createBudget({
      store,
      name: 'monthly',
      limit: money(10, 'USD'),
      now: () => clock,
    });
    expect(await reopened.status()).toMatchObject({
      period: 'month',
      spent: { micros: 6_000_000 },
    });
  });

  it('starts weekly periods on Monday and daily ones at midnight UTC', async () => {
    let clock = Date.parse('2026-03-08T23:00:00Z'); // a Sunday
    const weekly = await createBudget({
      store,
      name: 'weekly',
      limit: money(1, 'USD'),
      period: 'week',
      now: () => clock,
    });
    const daily = await createBudget({
      store,
      name: 'daily',
      limit: money(1, 'USD'),
      period: 'day',
      now: () => clock,
    });
    expect((await weekly.status()).periodStart.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    await weekly.charge({ amount: money(1, 'USD') });
    await daily.charge({ amount: money(1, 'USD') });
    clock = Date.parse('2026-03-09T00:30:00Z'); // Monday
    expect((await weekly.status()).spent.micros).toBe(0);
    expect((await daily.status()).spent.micros).toBe(0);
    clock = Date.parse('2026-03-08T23:59:00Z');
    expect((await daily.status()).spent.micros).toBe(1_000_000);
  });

  it('rejects charges outside the scope, in another currency, or without a price', async () => {
    const budget = await createBudget({
      store,
      name: 'vision',
      limit: 50,
      currency: 'USD',
      scope: { team: 'vision' },
    });
    await expect(
      budget.charge({ amount: money(1, 'USD'), labels: { team: 'nlp' } }),
    ).rejects.toThrow(/outside budget "vision"/);
    await budget.charge({ amount: money(1, 'USD'), labels: { team: 'vision', experiment: 'e1' } });
    await expect(budget.charge({ amount: money(1, 'EUR') })).rejects.toThrow(
      /does not convert currencies/,
    );
    await expect(budget.charge({ seconds: 10 })).rejects.toThrow(/needs instance/);
    await expect(budget.charge({ seconds: -1, pricePerHour: money(1, 'USD') })).rejects.toThrow(
      ValidationError,
    );
    await expect(budget.charge({ seconds: 1, instance: 'not-a-type' })).rejects.toThrow(
      /not in catalog/,
    );
    expect((await budget.status()).charges).toBe(1);
  });

  it('validates options at creation', async () => {
    await expect(createBudget({ store, name: 'x', limit: 5 })).rejects.toThrow(/needs currency/);
    await expect(
      createBudget({ store, name: '../escape', limit: money(1, 'USD') }),
    ).rejects.toThrow(ValidationError);
    await expect(
      createBudget({ store, name: 'x', limit: money(1, 'USD'), alerts: [0, 2] }),
    ).rejects.toThrow(ValidationError);
    await store.refs.set('cost/budgets/garbage', 'not json');
    await expect(createBudget({ store, name: 'garbage', limit: money(1, 'USD') })).rejects.toThrow(
      /does not hold budget state/,
    );
    expect(await store.refs.get('cost/budgets/garbage')).toBe('not json');
  });

  it('keeps the charge when an alert callback throws', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const budget = await createBudget({
        store,
        name: 'noisy',
        limit: money(1, 'USD'),
        alerts: [0.5],
        onAlert: () => {
          throw new Error('pager down');
        },
      });
      const result = await budget.charge({ amount: money(1, 'USD') });
      expect(result.stop).toBe(true);
      expect((await budget.status()).spent.micros).toBe(1_000_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.some((message) => message.includes('pager down'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
