import { parseOptions } from '@mlinfra/core';
import { ValidationError, type ValidationIssue } from '@mlinfra/core/schema';
import { z } from 'zod';
import { moneySchema } from '../estimate/internal/instance.js';
import { CompensatedSum, splitMicros } from '../money/money.js';
import type { Money } from '../money/money-type.js';

/** A point in time: a Date, milliseconds since the epoch, or an ISO 8601 string. */
export type TimeInput = Date | number | string;

/** One workload's use of one resource over a time span (OpenCost's allocation input). */
export interface UsageRecord {
  /** When the use started. */
  start: TimeInput;
  /** When it ended (after `start`). */
  end: TimeInput;
  /** Resource used: a key of `prices`, e.g. `'gpu'`, `'cpu'`, `'memoryGiB'`. */
  resource: string;
  /** Units reserved (GPUs, cores, GiB). Default: `used`. */
  requested?: number;
  /** Average units actually used. Default: `requested`. */
  used?: number;
  /** Labels to aggregate by (team, experiment, model, namespace...). */
  labels?: Readonly<Record<string, string>>;
  /** The asset (node, instance) it ran on, to work out idle cost against `assets`. */
  node?: string;
}

/** Capacity of one asset (node) for one resource, to compute idle cost. */
export interface AssetCapacity {
  /** Asset name, matching `UsageRecord.node`. */
  node: string;
  /** Resource, a key of `prices`. */
  resource: string;
  /** Units the asset provides (e.g. 8 GPUs). */
  capacity: number;
  /** When the asset started running. Default: the window start. */
  start?: TimeInput;
  /** When it stopped. Default: the window end. */
  end?: TimeInput;
}

/** How costs that belong to no single group are spread. */
export type SpreadMode = 'uniform' | 'proportional';

/** Options of {@link allocateCosts}. */
export interface AllocationOptions {
  /** Usage records. */
  records: Iterable<UsageRecord>;
  /** Price of one unit-hour of each resource (e.g. `{ gpu: money(2.5, 'USD') }`), one currency. */
  prices: Readonly<Record<string, Money>>;
  /** Label key(s) to group by. Records without a key get `'__unallocated__'` for it. */
  aggregate: string | readonly string[];
  /** Only count usage inside this window (records are clipped). Default: from the first start to the last end. */
  window?: { start: TimeInput; end: TimeInput };
  /** Asset capacities; unused capacity becomes idle cost. Default none (no idle cost). */
  assets?: readonly AssetCapacity[];
  /**
   * Idle cost: `'separate'` (default) reports it as an `__idle__` row; `'uniform'` splits it evenly
   * across groups; `'proportional'` splits each resource's idle cost by the groups' cost of that resource.
   */
  idle?: 'separate' | SpreadMode;
  /**
   * Shared costs, spread over the other groups: records whose labels match all of `labels`
   * (e.g. `{ namespace: 'kube-system' }`) and fixed `costs` (e.g. a control plane). Spread
   * `'proportional'`ly to each group's cost (default) or `'uniform'`ly.
   */
  shared?: {
    labels?: Readonly<Record<string, string>>;
    costs?: readonly Money[];
    split?: SpreadMode;
  };
}

/** Cost of one group. `totalCost = cost + sharedCost + idleCost`. */
export interface AllocationRow {
  /** `key=value` pairs of the aggregate labels joined by `,`, or `__idle__` / `__shared__`. */
  name: string;
  /** The aggregate label values of the group. */
  labels: Record<string, string>;
  /** Direct cost per resource: `max(requested, used) x hours x price`. */
  byResource: Record<string, Money>;
  /** Resource-hours per resource (`max(requested, used) x hours`). */
  hours: Record<string, number>;
  /** Direct cost (sum of `byResource`). */
  cost: Money;
  /** Share of the shared costs. */
  sharedCost: Money;
  /** Share of the idle cost. */
  idleCost: Money;
  /** Everything charged to the group. */
  totalCost: Money;
}

/** What {@link allocateCosts} returns. Rows add up to `total` exactly, in micro-units. */
export interface AllocationReport {
  /** Report kind, for the report renderers. */
  kind: 'allocation';
  /** Currency of every amount. */
  currency: string;
  /** The window costed. */
  window: { start: Date; end: Date };
  /** Label keys grouped by. */
  aggregate: string[];
  /** Groups by total cost, largest first. */
  rows: AllocationRow[];
  /** Total cost: direct + idle + fixed shared costs. */
  total: Money;
  /** Idle cost (unused asset capacity). */
  idle: Money;
  /** Shared cost spread over the groups (shared records + fixed costs). */
  shared: Money;
  /** Records costed (after clipping to the window). */
  records: number;
}

/** Group name of records missing an aggregate label (OpenCost's convention). */
export const UNALLOCATED = '__unallocated__';
/** Row name of idle cost reported separately. */
export const IDLE = '__idle__';
/** Row name of shared cost that had no group to go to. */
export const SHARED = '__shared__';

const optionsSchema = z.strictObject({
  records: z.custom<Iterable<UsageRecord>>(
    (value) => typeof value === 'object' && value !== null && Symbol.iterator in value,
    'must be an array (or iterable) of usage records',
  ),
  prices: z.record(z.string(), moneySchema),
  aggregate: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  window: z.object({ start: z.unknown(), end: z.unknown() }).optional(),
  assets: z
    .array(
      z.strictObject({
        node: z.string().min(1),
        resource: z.string().min(1),
        capacity: z.number().finite().nonnegative(),
        start: z.unknown().optional(),
        end: z.unknown().optional(),
      }),
    )
    .optional(),
  idle: z.enum(['separate', 'uniform', 'proportional']).optional(),
  shared: z
    .strictObject({
      labels: z.record(z.string(), z.string()).optional(),
      costs: z.array(moneySchema).optional(),
      split: z.enum(['uniform', 'proportional']).optional(),
    })
    .optional(),
});

const HOUR_MS = 3_600_000;

function sumFor(map: Map<string, CompensatedSum>, key: string): CompensatedSum {
  let sum = map.get(key);
  if (sum === undefined) {
    sum = new CompensatedSum();
    map.set(key, sum);
  }
  return sum;
}

function toTime(value: unknown, where: string): number {
  const time =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new ValidationError(
      `${where} must be a Date, epoch milliseconds or an ISO 8601 string, got ${JSON.stringify(value)}`,
    );
  }
  return time;
}

function timeOrNaN(value: unknown): number {
  const time =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : Number.NaN;
  return Number.isFinite(time) ? time : Number.NaN;
}

interface Group {
  name: string;
  labels: Record<string, string>;
  byResource: Map<string, CompensatedSum>;
  hours: Map<string, number>;
}

/**
 * Allocates cost to groups of usage records as OpenCost's specification defines it: each record
 * costs `max(requested, used) x hours x price`; an asset's capacity not allocated to any record is
 * idle cost; shared records and fixed shared costs are spread over the other groups. Record costs
 * are summed with compensated floating-point sums in micro-units and rounded once by the
 * largest-remainder method, so the rows add up to the total exactly.
 * @throws ValidationError naming the record index for a bad record or a resource without a price.
 */
export function allocateCosts(options: AllocationOptions): AllocationReport {
  const parsed = parseOptions(optionsSchema, options, 'allocateCosts options');
  const priceEntries = Object.entries(parsed.prices);
  const currency = priceEntries[0]?.[1].currency ?? parsed.shared?.costs?.[0]?.currency;
  if (currency === undefined)
    throw new ValidationError('allocateCosts needs prices, e.g. { gpu: money(2.5, "USD") }');
  for (const [resource, price] of priceEntries) {
    if (price.currency !== currency) {
      throw new ValidationError(
        `prices.${resource} is in ${price.currency} but other prices are in ${currency}; give all prices in one currency`,
      );
    }
  }
  for (const cost of parsed.shared?.costs ?? []) {
    if (cost.currency !== currency)
      throw new ValidationError(
        `A shared cost is in ${cost.currency}, prices are in ${currency}; use one currency`,
      );
  }
  const prices = new Map(priceEntries.map(([resource, price]) => [resource, price.micros]));
  const keys = typeof parsed.aggregate === 'string' ? [parsed.aggregate] : [...parsed.aggregate];
  const sharedSelector =
    parsed.shared?.labels === undefined ? undefined : Object.entries(parsed.shared.labels);
  const windowStart =
    parsed.window === undefined
      ? Number.NEGATIVE_INFINITY
      : toTime(parsed.window.start, 'window.start');
  const windowEnd =
    parsed.window === undefined
      ? Number.POSITIVE_INFINITY
      : toTime(parsed.window.end, 'window.end');
  if (windowEnd < windowStart)
    throw new ValidationError('window.end is before window.start; swap them');

  const groups = new Map<string, Group>();
  const trackNodes = (parsed.assets?.length ?? 0) > 0;
  const groupsByValue = new Map<string, Group>();
  const findGroup = (labels: Readonly<Record<string, string>>): Group => {
    const values = keys.map((key) => labels[key] ?? UNALLOCATED);
    const name = keys.map((key, k) => `${key}=${values[k]}`).join(',');
    let group = groups.get(name);
    if (group === undefined) {
      group = {
        name,
        labels: Object.fromEntries(keys.map((key, k) => [key, values[k]!])),
        byResource: new Map(),
        hours: new Map(),
      };
      groups.set(name, group);
      if (keys.length === 1) groupsByValue.set(values[0]!, group);
    }
    return group;
  };
  const sharedPool = new Map<string, CompensatedSum>();
  const allocatedOnNode = new Map<string, CompensatedSum>();
  const issues: ValidationIssue[] = [];
  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = Number.NEGATIVE_INFINITY;
  let index = -1;
  let counted = 0;
  for (const record of parsed.records) {
    index++;
    if (issues.length >= 50) break;
    if (typeof record !== 'object' || record === null) {
      issues.push({ path: ['records', index], message: 'must be a usage record object' });
      continue;
    }
    const price = prices.get(record.resource);
    if (price === undefined) {
      issues.push({
        path: ['records', index, 'resource'],
        message: `resource ${JSON.stringify(record.resource)} has no price; add it to prices (known: ${[...prices.keys()].join(', ')})`,
      });
      continue;
    }
    // Epoch milliseconds are the fast path; other forms go through toTime (and its error message).
    const start =
      typeof record.start === 'number' && Number.isFinite(record.start)
        ? record.start
        : timeOrNaN(record.start);
    const end =
      typeof record.end === 'number' && Number.isFinite(record.end)
        ? record.end
        : timeOrNaN(record.end);
    if (Number.isNaN(start) || Number.isNaN(end)) {
      const field = Number.isNaN(start) ? 'start' : 'end';
      issues.push({
        path: ['records', index, field],
        message: `must be a Date, epoch milliseconds or an ISO 8601 string, got ${JSON.stringify(record[field])}`,
      });
      continue;
    }
    if (end < start) {
      issues.push({ path: ['records', index, 'end'], message: 'is before start' });
      continue;
    }
    const requested = record.requested ?? record.used;
    const used = record.used ?? record.requested;
    if (requested === undefined || used === undefined) {
      issues.push({
        path: ['records', index, 'requested'],
        message: 'give requested or used (units of the resource)',
      });
      continue;
    }
    if (!(Number.isFinite(requested) && requested >= 0 && Number.isFinite(used) && used >= 0)) {
      issues.push({
        path: ['records', index, 'used'],
        message: 'requested and used must be finite numbers >= 0',
      });
      continue;
    }
    const clippedStart = Math.max(start, windowStart);
    const clippedEnd = Math.min(end, windowEnd);
    if (
      clippedEnd <= clippedStart &&
      !(start === end && start >= windowStart && start <= windowEnd)
    )
      continue;
    counted++;
    firstStart = Math.min(firstStart, clippedStart);
    lastEnd = Math.max(lastEnd, clippedEnd);
    const unitHours = (Math.max(requested, used) * (clippedEnd - clippedStart)) / HOUR_MS;
    const cost = unitHours * price;
    const labels = record.labels ?? {};
    if (trackNodes && record.node !== undefined) {
      const key = `${record.node}\u0000${record.resource}`;
      const sum = sumFor(allocatedOnNode, key);
      sum.add(cost);
    }
    if (sharedSelector?.every(([key, value]) => labels[key] === value)) {
      const sum = sumFor(sharedPool, record.resource);
      sum.add(cost);
      continue;
    }
    // Single-key aggregation (the common case) finds the group by the label value without building a name.
    const single = keys.length === 1 ? (labels[keys[0]!] ?? UNALLOCATED) : undefined;
    let group = single === undefined ? undefined : groupsByValue.get(single);
    if (group === undefined) group = findGroup(labels);
    const sum = sumFor(group.byResource, record.resource);
    sum.add(cost);
    group.hours.set(record.resource, (group.hours.get(record.resource) ?? 0) + unitHours);
  }
  if (issues.length > 0)
    throw new ValidationError(
      `${issues.length >= 50 ? 'At least 50' : issues.length} usage record(s) are invalid; fix them`,
      issues,
    );

  const start = Number.isFinite(windowStart)
    ? windowStart
    : Number.isFinite(firstStart)
      ? firstStart
      : 0;
  const end = Number.isFinite(windowEnd) ? windowEnd : Number.isFinite(lastEnd) ? lastEnd : start;

  // Idle cost per resource: asset capacity cost minus what records on that asset were charged.
  const idleByResource = new Map<string, number>();
  for (const [assetIndex, asset] of (parsed.assets ?? []).entries()) {
    const price = prices.get(asset.resource);
    if (price === undefined) {
      throw new ValidationError(
        `assets[${assetIndex}].resource ${JSON.stringify(asset.resource)} has no price; add it to prices`,
      );
    }
    const assetStart = Math.max(
      asset.start === undefined ? start : toTime(asset.start, `assets[${assetIndex}].start`),
      start,
    );
    const assetEnd = Math.min(
      asset.end === undefined ? end : toTime(asset.end, `assets[${assetIndex}].end`),
      end,
    );
    const capacityCost = (asset.capacity * Math.max(0, assetEnd - assetStart) * price) / HOUR_MS;
    const allocated = allocatedOnNode.get(`${asset.node}\u0000${asset.resource}`)?.value ?? 0;
    idleByResource.set(
      asset.resource,
      (idleByResource.get(asset.resource) ?? 0) + Math.max(0, capacityCost - allocated),
    );
  }

  // Round once: one atom per group, one for the shared pool, one per idle resource, split so the
  // integers add up to the rounded grand total exactly; each group is then split over its resources.
  const groupList = [...groups.values()];
  const atoms: number[] = [];
  const groupResources = groupList.map((group) => [...group.byResource.keys()]);
  const groupValues = groupList.map((group) =>
    [...group.byResource.values()].map((sum) => sum.value),
  );
  for (const values of groupValues) {
    const sum = new CompensatedSum();
    for (const value of values) sum.add(value);
    atoms.push(sum.value);
  }
  const sharedSum = new CompensatedSum();
  for (const pool of sharedPool.values()) sharedSum.add(pool.value);
  atoms.push(sharedSum.value);
  const fixedShared = (parsed.shared?.costs ?? []).reduce((sum, cost) => sum + cost.micros, 0);
  const idleResources = [...idleByResource.keys()];
  for (const resource of idleResources) atoms.push(idleByResource.get(resource)!);
  const exactTotal = new CompensatedSum();
  for (const atom of atoms) exactTotal.add(atom);
  const roundedTotal = Math.round(exactTotal.value) + 0;
  const integers = splitMicros(roundedTotal, atoms);

  const direct = groupList.map((_, k) => {
    const parts = splitMicros(integers[k]!, groupValues[k]!);
    return new Map(groupResources[k]!.map((resource, r) => [resource, parts[r]!]));
  });
  let cursor = groupList.length;
  const sharedMicros = fixedShared + integers[cursor++]!;
  const idleMicros = new Map<string, number>();
  for (const resource of idleResources) idleMicros.set(resource, integers[cursor++]!);
  const totalIdle = [...idleMicros.values()].reduce((a, b) => a + b, 0);

  const directTotals = direct.map((byResource) =>
    [...byResource.values()].reduce((a, b) => a + b, 0),
  );
  const sharedShares = new Array<number>(groupList.length).fill(0);
  const idleShares = new Array<number>(groupList.length).fill(0);
  let sharedLeft = sharedMicros;
  if (groupList.length > 0 && sharedMicros !== 0) {
    const weights =
      (parsed.shared?.split ?? 'proportional') === 'uniform'
        ? groupList.map(() => 1)
        : directTotals;
    splitMicros(sharedMicros, weights).forEach((share, k) => {
      sharedShares[k] = share;
    });
    sharedLeft = 0;
  }
  const idleMode = parsed.idle ?? 'separate';
  let idleLeft = totalIdle;
  if (idleMode !== 'separate' && groupList.length > 0 && totalIdle !== 0) {
    if (idleMode === 'uniform') {
      splitMicros(
        totalIdle,
        groupList.map(() => 1),
      ).forEach((share, k) => {
        idleShares[k]! += share;
      });
    } else {
      for (const [resource, micros] of idleMicros) {
        const weights = direct.map((byResource) => Math.max(0, byResource.get(resource) ?? 0));
        splitMicros(micros, weights).forEach((share, k) => {
          idleShares[k]! += share;
        });
      }
    }
    idleLeft = 0;
  }

  const money = (micros: number): Money => ({ micros, currency });
  const rows: AllocationRow[] = groupList.map((group, k) => {
    const byResource: Record<string, Money> = {};
    for (const [resource, micros] of direct[k]!) byResource[resource] = money(micros);
    return {
      name: group.name,
      labels: group.labels,
      byResource,
      hours: Object.fromEntries(group.hours),
      cost: money(directTotals[k]!),
      sharedCost: money(sharedShares[k]!),
      idleCost: money(idleShares[k]!),
      totalCost: money(directTotals[k]! + sharedShares[k]! + idleShares[k]!),
    };
  });
  const special = (name: string, shared: number, idle: number): AllocationRow => ({
    name,
    labels: {},
    byResource: {},
    hours: {},
    cost: money(0),
    sharedCost: money(shared),
    idleCost: money(idle),
    totalCost: money(shared + idle),
  });
  if (idleLeft !== 0) rows.push(special(IDLE, 0, idleLeft));
  if (sharedLeft !== 0) rows.push(special(SHARED, sharedLeft, 0));
  rows.sort(
    (a, b) =>
      b.totalCost.micros - a.totalCost.micros || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return {
    kind: 'allocation',
    currency,
    window: { start: new Date(start), end: new Date(end) },
    aggregate: keys,
    rows,
    total: money(roundedTotal + fixedShared),
    idle: money(totalIdle),
    shared: money(sharedMicros),
    records: counted,
  };
}
