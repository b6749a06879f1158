import { ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { money } from '../money/money.js';
import {
  type AllocationOptions,
  allocateCosts,
  IDLE,
  SHARED,
  type UsageRecord,
} from './allocate.js';

const T0 = '2026-03-01T00:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);
const prices = {
  gpu: money(2, 'USD'),
  cpu: money('0.04', 'USD'),
  memoryGiB: money('0.005', 'USD'),
};

// One node with 4 GPUs and 32 cores for one hour, used by two teams, an unlabelled job and kube-system.
const records: UsageRecord[] = [
  {
    start: at(0),
    end: at(60),
    resource: 'gpu',
    requested: 2,
    used: 1.5,
    labels: { team: 'vision' },
    node: 'n1',
  },
  {
    start: at(0),
    end: at(30),
    resource: 'cpu',
    requested: 4,
    used: 6,
    labels: { team: 'vision' },
    node: 'n1',
  },
  {
    start: at(0),
    end: at(60),
    resource: 'gpu',
    requested: 1,
    used: 1,
    labels: { team: 'nlp' },
    node: 'n1',
  },
  {
    start: at(0),
    end: at(60),
    resource: 'cpu',
    requested: 8,
    used: 2,
    labels: { team: 'nlp' },
    node: 'n1',
  },
  {
    start: at(0),
    end: at(60),
    resource: 'cpu',
    requested: 2,
    labels: { namespace: 'kube-system' },
    node: 'n1',
  },
  { start: at(30), end: at(60), resource: 'gpu', requested: 0.5, node: 'n1' },
];
const assets = [
  { node: 'n1', resource: 'gpu', capacity: 4 },
  { node: 'n1', resource: 'cpu', capacity: 32 },
];
const base: AllocationOptions = {
  records,
  prices,
  aggregate: 'team',
  window: { start: at(0), end: at(60) },
  assets,
};

const byName = (report: ReturnType<typeof allocateCosts>) =>
  Object.fromEntries(report.rows.map((row) => [row.name, row]));

describe('allocateCosts', () => {
  it('costs max(request, usage) x hours x price per group and reports idle separately (by hand)', () => {
    const report = allocateCosts({ ...base, shared: { labels: { namespace: 'kube-system' } } });
    const rows = byName(report);
    // vision: 2 GPUs x 1 h x 2 = 4.00 plus max(4, 6) cores x 0.5 h x 0.04 = 0.12
    expect(rows['team=vision']!.byResource).toEqual({
      gpu: money(4, 'USD'),
      cpu: money('0.12', 'USD'),
    });
    expect(rows['team=vision']!.hours).toEqual({ gpu: 2, cpu: 3 });
    // nlp: 1 GPU-hour = 2.00 plus 8 core-hours = 0.32
    expect(rows['team=nlp']!.cost).toEqual(money('2.32', 'USD'));
    expect(rows['team=__unallocated__']!.cost).toEqual(money('0.5', 'USD'));
    // idle: GPUs 8.00 - 6.50 = 1.50, cores 1.28 - 0.52 = 0.76
    expect(report.idle).toEqual(money('2.26', 'USD'));
    expect(rows[IDLE]!.totalCost).toEqual(money('2.26', 'USD'));
    // kube-system's 2 core-hours (0.08) are shared in proportion to direct cost 4.12 : 2.32 : 0.5.
    expect(report.shared).toEqual(money('0.08', 'USD'));
    expect(rows['team=vision']!.sharedCost.micros).toBeCloseTo((80_000 * 4.12) / 6.94, -0.5);
    expect(rows['team=nlp']!.sharedCost.micros).toBeCloseTo((80_000 * 2.32) / 6.94, -0.5);
    // The node cost 4 x 2 + 32 x 0.04 = 9.28 for the hour; everything is accounted for.
    expect(report.total).toEqual(money('9.28', 'USD'));
    expect(report.rows.reduce((sum, row) => sum + row.totalCost.micros, 0)).toBe(9_280_000);
    expect(report.records).toBe(6);
  });

  it("spreads idle cost by each resource's usage, or uniformly", () => {
    const proportional = byName(allocateCosts({ ...base, idle: 'proportional' }));
    // GPU idle 1.50 over GPU costs 4 : 2 : 0.5; CPU idle 0.76 over CPU costs 0.12 : 0.32 : 0.08
    // (without a shared selector kube-system has no team, so it is part of __unallocated__).
    expect(proportional['team=vision']!.idleCost.micros).toBeCloseTo(
      (1_500_000 * 4) / 6.5 + (760_000 * 0.12) / 0.52,
      -0.5,
    );
    expect(proportional['team=__unallocated__']!.idleCost.micros).toBeCloseTo(
      (1_500_000 * 0.5) / 6.5 + (760_000 * 0.08) / 0.52,
      -0.5,
    );
    expect(proportional[IDLE]).toBeUndefined();
    const uniform = allocateCosts({ ...base, idle: 'uniform' });
    const shares = uniform.rows.map((row) => row.idleCost.micros);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(2_260_000);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  });

  it('adds fixed shared costs, uniformly, and keeps them when no group exists', () => {
    const report = allocateCosts({
      ...base,
      assets: [],
      shared: { costs: [money(3, 'USD')], split: 'uniform' },
    });
    expect(
      report.rows.filter((row) => row.name.startsWith('team=')).map((row) => row.sharedCost.micros),
    ).toEqual([1_000_000, 1_000_000, 1_000_000]);
    const empty = allocateCosts({
      records: [],
      prices,
      aggregate: 'team',
      shared: { costs: [money(3, 'USD')] },
    });
    expect(empty.rows.map((row) => [row.name, row.totalCost.micros])).toEqual([
      [SHARED, 3_000_000],
    ]);
    expect(empty.total.micros).toBe(3_000_000);
  });

  it('aggregates by several labels and clips records to the window', () => {
    const report = allocateCosts({
      records: [
        {
          start: at(-30),
          end: at(30),
          resource: 'gpu',
          requested: 1,
          labels: { team: 'a', experiment: 'x' },
        },
        {
          start: at(0),
          end: at(60),
          resource: 'gpu',
          requested: 1,
          labels: { team: 'a', experiment: 'y' },
        },
        {
          start: at(90),
          end: at(120),
          resource: 'gpu',
          requested: 1,
          labels: { team: 'a', experiment: 'z' },
        },
      ],
      prices,
      aggregate: ['team', 'experiment'],
      window: { start: at(0), end: at(60) },
    });
    expect(report.rows.map((row) => [row.name, row.totalCost.micros])).toEqual([
      ['team=a,experiment=y', 2_000_000],
      ['team=a,experiment=x', 1_000_000],
    ]);
    expect(report.rows[0]!.labels).toEqual({ team: 'a', experiment: 'y' });
    expect(report.records).toBe(2);
  });

  it('names the bad record and the missing price', () => {
    const bad = [
      { start: at(0), end: at(60), resource: 'tpu', requested: 1 },
      { start: at(60), end: at(0), resource: 'gpu', requested: 1 },
      { start: 'yesterday', end: at(0), resource: 'gpu', requested: 1 },
      { start: at(0), end: at(1), resource: 'gpu', requested: -1 },
    ];
    const error = (() => {
      try {
        allocateCosts({ records: bad, prices, aggregate: 'team' });
      } catch (caught) {
        return caught as ValidationError;
      }
    })();
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error!.issues.map((issue) => issue.path.slice(0, 2))).toEqual([
      ['records', 0],
      ['records', 1],
      ['records', 2],
      ['records', 3],
    ]);
    expect(error!.message).toMatch(/resource "tpu" has no price; add it to prices/);
    expect(() =>
      allocateCosts({
        records: [],
        prices: { gpu: money(1, 'USD'), cpu: money(1, 'EUR') },
        aggregate: 'team',
      }),
    ).toThrow(/one currency/);
  });

  it('rows always add up to the total, idle and shared shares to their pools (property)', () => {
    const record = fc.record({
      startMinute: fc.integer({ min: 0, max: 600 }),
      minutes: fc.integer({ min: 0, max: 600 }),
      resource: fc.constantFrom('gpu', 'cpu', 'memoryGiB'),
      requested: fc.double({ min: 0, max: 64, noNaN: true }),
      used: fc.double({ min: 0, max: 64, noNaN: true }),
      team: fc.constantFrom('a', 'b', 'c', undefined),
      shared: fc.boolean(),
      node: fc.constantFrom('n1', 'n2'),
    });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 60 }),
        fc.constantFrom('separate', 'uniform', 'proportional' as const),
        fc.constantFrom('uniform', 'proportional' as const),
        fc.integer({ min: 0, max: 5_000_000 }),
        (generated, idle, split, fixed) => {
          const usage: UsageRecord[] = generated.map((item) => ({
            start: at(item.startMinute),
            end: at(item.startMinute + item.minutes),
            resource: item.resource,
            requested: item.requested,
            used: item.used,
            node: item.node,
            labels: {
              ...(item.team === undefined ? {} : { team: item.team }),
              ...(item.shared ? { namespace: 'system' } : {}),
            },
          }));
          const report = allocateCosts({
            records: usage,
            prices,
            aggregate: 'team',
            idle,
            assets: [
              { node: 'n1', resource: 'gpu', capacity: 200 },
              { node: 'n2', resource: 'cpu', capacity: 500 },
            ],
            shared: {
              labels: { namespace: 'system' },
              costs: [{ micros: fixed, currency: 'USD' }],
              split,
            },
          });
          const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
          expect(sum(report.rows.map((row) => row.totalCost.micros))).toBe(report.total.micros);
          expect(sum(report.rows.map((row) => row.idleCost.micros))).toBe(report.idle.micros);
          expect(sum(report.rows.map((row) => row.sharedCost.micros))).toBe(report.shared.micros);
          for (const row of report.rows) {
            expect(Number.isSafeInteger(row.totalCost.micros)).toBe(true);
            expect(row.totalCost.micros).toBe(
              row.cost.micros + row.sharedCost.micros + row.idleCost.micros,
            );
            expect(sum(Object.values(row.byResource).map((value) => value.micros))).toBe(
              row.cost.micros,
            );
          }
          // Direct costs match an independent float computation to within a micro-unit per group.
          const expected = new Map<string, number>();
          for (const item of usage) {
            if (item.labels?.namespace === 'system') continue;
            const name = `team=${item.labels?.team ?? '__unallocated__'}`;
            const hours =
              (Number(item.end instanceof Date ? item.end.getTime() : 0) -
                Number(item.start instanceof Date ? item.start.getTime() : 0)) /
              3.6e6;
            const cost =
              Math.max(item.requested!, item.used!) *
              hours *
              prices[item.resource as keyof typeof prices].micros;
            expected.set(name, (expected.get(name) ?? 0) + cost);
          }
          for (const [name, cost] of expected) {
            const row = report.rows.find((candidate) => candidate.name === name);
            expect(Math.abs((row?.cost.micros ?? 0) - cost)).toBeLessThanOrEqual(1.5);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
