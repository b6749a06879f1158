import {
  assertRefName,
  BudgetExceededError,
  ConflictError,
  parseOptions,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.js';
import { defaultCatalog } from '../catalog/default-catalog.js';
import { catalogSchema, moneySchema } from '../estimate/internal/instance.js';
import { assertCurrency, assertSameCurrency, formatMoney, toMicros } from '../money/money.js';
import type { Money } from '../money/money-type.js';
import type { BudgetDecision } from './budget-decision.js';

/** An alert threshold that spending crossed. */
export interface BudgetAlert {
  /** Budget name. */
  budget: string;
  /** The threshold crossed, as a fraction of the limit (e.g. 0.8). */
  threshold: number;
  /** Spent when it was crossed. */
  spent: Money;
  /** The budget's limit. */
  limit: Money;
  /** When the charge that crossed it was recorded. */
  at: Date;
}

/**
 * Spending window of a budget: `'total'` never resets; `'day'`, `'week'` (from Monday) and `'month'`
 * start again at 00:00 UTC of each new period, like Kubecost's recurring budgets.
 */
export type BudgetPeriod = 'total' | 'day' | 'week' | 'month';

/** Options of {@link createBudget}. */
export interface BudgetOptions {
  /** Core store that keeps the budget's state (a ref under `cost/budgets/`), shared by every process. */
  store: Store;
  /** Budget name: ref-name segments of letters, digits and `._@+-`, separated by `/` (e.g. `team-a/llm`). */
  name: string;
  /** Spending limit: a {@link Money}, or whole units of `currency` as a number or decimal string. */
  limit: Money | number | string;
  /** Currency of the budget. Default: the limit's currency; required when `limit` is a number or string. */
  currency?: string;
  /**
   * Labels saying what the budget covers (Kubecost-style scope, e.g. `{ team: 'vision' }`). A charge
   * whose labels contradict the scope is rejected. Default `{}` (everything charged to it).
   */
  scope?: Readonly<Record<string, string>>;
  /**
   * Spending window. Default `'total'` for a new budget; a reopened budget keeps its stored period
   * unless this is given. With a recurring period, spent, alerts and charges start from
   * zero in each new period; the last 12 periods' totals stay in `status().history`.
   */
  period?: BudgetPeriod;
  /** Alert thresholds as fractions of the limit, each in (0, 10]. Default `[0.5, 0.8, 1]`. */
  alerts?: readonly number[];
  /**
   * Called once per threshold crossed, by the process whose charge crossed it (state changes use
   * compare-and-set, so concurrent chargers never fire an alert twice). Awaited; an error it throws
   * is reported with `process.emitWarning` and does not undo the charge.
   */
  onAlert?: (alert: BudgetAlert) => void | Promise<void>;
  /** Catalog that prices charges naming an instance. Default {@link defaultCatalog}. */
  catalog?: Catalog;
  /** Region used to price instances. Default: the cheapest region listing the instance. */
  region?: string;
  /** Price instances at their spot price. Default false. */
  spot?: boolean;
  /** Clock for timestamps, milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** One charge against a budget: give `amount`, or `seconds` with an `instance` or `pricePerHour`. */
export interface BudgetCharge {
  /** What was used, for the per-resource breakdown (e.g. `'training'`, `'gpu'`). Default `'default'`. */
  resource?: string;
  /** Seconds the resource ran. */
  seconds?: number;
  /** Instance type, priced from the catalog. */
  instance?: string;
  /** Instances running for `seconds` (fractions allowed, exact to a millionth). Default 1. */
  count?: number;
  /**
   * The price is shared by this many devices and the charge pays one share (one GPU of an 8-GPU
   * instance: `sharedBy: 8`). Divided exactly. Default 1.
   */
  sharedBy?: number;
  /** Region for the catalog price. Default: the budget's `region`. */
  region?: string;
  /** Spot price instead of on-demand. Default: the budget's `spot`. */
  spot?: boolean;
  /** Price per hour of one instance/resource, instead of the catalog. */
  pricePerHour?: Money;
  /** A direct amount (e.g. storage, an API bill), instead of `seconds`. */
  amount?: Money;
  /** Labels of the charge; must agree with the budget's scope. */
  labels?: Readonly<Record<string, string>>;
}

/** What {@link Budget.charge} returns: the guard decision plus what happened. */
export interface ChargeResult extends BudgetDecision {
  /** Cost of this charge, rounded to a micro-unit. */
  charged: Money;
  /** Alert thresholds this charge crossed (their `onAlert` calls have finished). */
  alerts: BudgetAlert[];
}

/** A budget's persisted state. */
export interface BudgetStatus {
  /** Report kind, for the report renderers. */
  kind: 'budget';
  /** Budget name. */
  name: string;
  /** Currency of every amount. */
  currency: string;
  /** What the budget covers. */
  scope: Record<string, string>;
  /** The limit. */
  limit: Money;
  /** Spent so far (exact sum of charges, rounded once to a micro-unit). */
  spent: Money;
  /** `max(0, limit - spent)`. */
  remaining: Money;
  /** `spent / limit`. */
  fraction: number;
  /** Whether spent >= limit. */
  exhausted: boolean;
  /** Thresholds already crossed. */
  alertsFired: number[];
  /** Spent per resource. */
  byResource: Record<string, Money>;
  /** Charges recorded (in the current period). */
  charges: number;
  /** Spending window. */
  period: BudgetPeriod;
  /** Start of the current period (the creation time for `'total'`). */
  periodStart: Date;
  /** Totals of earlier periods, oldest first (at most 12). */
  history: { start: Date; spent: Money }[];
  /** When the budget was created. */
  createdAt: Date;
  /** When the last charge was recorded. */
  updatedAt: Date;
}

/** A spending limit persisted in a core store, enforced across processes. Create with {@link createBudget}. */
export interface Budget {
  /** Budget name. */
  readonly name: string;
  /** Currency of the budget. */
  readonly currency: string;
  /** The ref holding the state in the store: `cost/budgets/<name>`. */
  readonly refName: string;
  /**
   * Records a charge (atomically, with compare-and-set retries) and says whether to stop. Charges are
   * recorded even past the limit, because the work already happened.
   * @throws ValidationError for a bad charge (no price, wrong currency, labels outside the scope).
   */
  charge(charge: BudgetCharge): Promise<ChargeResult>;
  /** The current persisted state. */
  status(): Promise<BudgetStatus>;
  /** @throws BudgetExceededError when the budget is exhausted; call before starting work. */
  assertAvailable(): Promise<void>;
}

// Money is summed exactly as a rational: micro-units x microseconds / hour.
const HOUR_MICROSECONDS = 3_600_000_000n;
const MAX_RESOURCES = 500;

interface State {
  version: 1;
  currency: string;
  limitMicros: number;
  scope: Record<string, string>;
  /** Spent, in micro-units x microseconds per hour (a decimal integer string). */
  spent: string;
  byResource: Record<string, string>;
  alertsFired: number[];
  charges: number;
  createdAt: number;
  updatedAt: number;
  period?: BudgetPeriod;
  periodStart?: number;
  history?: { start: number; spent: string }[];
}

const MAX_HISTORY = 12;

/** Start (epoch ms, UTC) of the period holding `at`. */
function periodStartOf(period: BudgetPeriod, at: number, createdAt: number): number {
  const date = new Date(at);
  switch (period) {
    case 'total':
      return createdAt;
    case 'day':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    case 'week': {
      const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
      return day - ((date.getUTCDay() + 6) % 7) * 86_400_000;
    }
    case 'month':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
}

/** The state as of `at`: a new period starts from zero, the old one moves to history. */
function rollOver(state: State, at: number): State {
  const period = state.period ?? 'total';
  if (period === 'total') return state;
  const current = state.periodStart ?? periodStartOf(period, state.createdAt, state.createdAt);
  const start = periodStartOf(period, at, state.createdAt);
  if (start <= current) return state;
  return {
    ...state,
    spent: '0',
    byResource: {},
    alertsFired: [],
    charges: 0,
    periodStart: start,
    history: [...(state.history ?? []), { start: current, spent: state.spent }].slice(-MAX_HISTORY),
  };
}

const stateSchema = z.object({
  version: z.literal(1),
  currency: z.string(),
  limitMicros: z.number().int(),
  scope: z.record(z.string(), z.string()),
  spent: z.string().regex(/^-?\d+$/),
  byResource: z.record(z.string(), z.string().regex(/^-?\d+$/)),
  alertsFired: z.array(z.number()),
  charges: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
  period: z.enum(['total', 'day', 'week', 'month']).optional(),
  periodStart: z.number().optional(),
  history: z.array(z.object({ start: z.number(), spent: z.string().regex(/^-?\d+$/) })).optional(),
});

const labelsSchema = z.record(z.string(), z.string());

const optionsSchema = z.strictObject({
  store: z.custom<Store>(
    (value) =>
      typeof value === 'object' && value !== null && typeof (value as Store).refs === 'object',
    'must be a Store from createStore() of @mlinfra/core',
  ),
  name: z.string().min(1),
  limit: z.union([moneySchema, z.number().finite().nonnegative(), z.string()]),
  currency: z.string().optional(),
  scope: labelsSchema.optional(),
  period: z.enum(['total', 'day', 'week', 'month']).optional(),
  alerts: z.array(z.number().gt(0).max(10)).optional(),
  onAlert: z
    .custom<(alert: BudgetAlert) => void>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
  catalog: catalogSchema.optional(),
  region: z.string().min(1).optional(),
  spot: z.boolean().optional(),
  now: z
    .custom<() => number>((value) => typeof value === 'function', 'must be a function')
    .optional(),
});

const chargeSchema = z.strictObject({
  resource: z.string().min(1).max(200).optional(),
  seconds: z.number().finite().nonnegative().optional(),
  instance: z.string().min(1).optional(),
  count: z.number().finite().nonnegative().optional(),
  sharedBy: z.number().int().positive().optional(),
  region: z.string().min(1).optional(),
  spot: z.boolean().optional(),
  pricePerHour: moneySchema.optional(),
  amount: moneySchema.optional(),
  labels: labelsSchema.optional(),
});

/** Default alert thresholds, fractions of the limit. */
export const DEFAULT_ALERTS: readonly number[] = Object.freeze([0.5, 0.8, 1]);

/**
 * Opens (or creates) a budget whose state lives in the core store under `cost/budgets/<name>`, so
 * a resumed run, or several processes at once, keep charging the same budget. Reopening with a
 * different `limit` updates the stored limit and keeps what was spent.
 * @throws ValidationError for bad options, or a currency different from the stored budget's.
 */
export async function createBudget(options: BudgetOptions): Promise<Budget> {
  const parsed = parseOptions(optionsSchema, options, 'createBudget options');
  const refName = assertRefName(`cost/budgets/${parsed.name}`, 'budget name');
  const limit = parsed.limit;
  let currency: string;
  let limitMicros: number;
  if (typeof limit === 'object') {
    currency = limit.currency;
    if (parsed.currency !== undefined)
      assertSameCurrency(assertCurrency(parsed.currency), limit.currency, 'limit');
    limitMicros = limit.micros;
  } else {
    if (parsed.currency === undefined) {
      throw new ValidationError(
        'createBudget needs currency (e.g. "USD") when limit is a plain number',
        [{ path: ['currency'], message: 'required when limit is a number or string' }],
      );
    }
    currency = assertCurrency(parsed.currency);
    limitMicros = toMicros(limit, 'limit');
  }
  if (limitMicros < 0) throw new ValidationError('limit must not be negative');
  const alerts = [...new Set(parsed.alerts ?? DEFAULT_ALERTS)].sort((a, b) => a - b);
  // Undefined keeps a reopened budget's stored period.
  const period: BudgetPeriod | undefined = parsed.period;
  const now = parsed.now ?? Date.now;
  const store = parsed.store;
  const budgetName = parsed.name;
  const scope = parsed.scope;
  const read = (value: string | undefined): State | undefined => {
    if (value === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch (error) {
      throw new ValidationError(
        `Budget ref ${refName} does not hold budget state; delete the ref or use another name`,
        [],
        { cause: error },
      );
    }
    const result = stateSchema.safeParse(json);
    if (!result.success) {
      throw new ValidationError(
        `Budget ref ${refName} does not hold budget state; delete the ref or use another name`,
      );
    }
    return result.data as State;
  };
  const existing = read(await store.refs.get(refName));
  const unchanged =
    existing !== undefined &&
    existing.currency === currency &&
    existing.limitMicros === limitMicros &&
    (period === undefined || (existing.period ?? 'total') === period) &&
    (scope === undefined || sameLabels(scope, existing.scope));
  const initial = unchanged
    ? undefined
    : await store.refs.update(refName, (current) => {
        const state = read(current);
        if (state !== undefined) {
          assertSameCurrency(state.currency, currency, `Budget "${budgetName}" limit`);
          if (
            state.limitMicros === limitMicros &&
            (period === undefined || (state.period ?? 'total') === period) &&
            (scope === undefined || sameLabels(scope, state.scope))
          )
            return current!;
          const changed: State = { ...state, limitMicros, scope: scope ?? state.scope };
          if (period !== undefined && (state.period ?? 'total') !== period) {
            changed.period = period;
            changed.periodStart = periodStartOf(period, now(), state.createdAt);
          }
          return JSON.stringify(changed);
        }
        const at = now();
        const fresh: State = {
          version: 1,
          currency,
          limitMicros,
          scope: { ...(scope ?? {}) },
          spent: '0',
          byResource: {},
          alertsFired: [],
          charges: 0,
          createdAt: at,
          updatedAt: at,
          period: period ?? 'total',
          periodStart: periodStartOf(period ?? 'total', at, at),
        };
        return JSON.stringify(fresh);
      });
  if (initial !== undefined) read(initial);
  const catalog = options.catalog ?? defaultCatalog();

  const priceCharge = (charge: z.output<typeof chargeSchema>): bigint => {
    if (charge.amount !== undefined) {
      if (
        charge.seconds !== undefined ||
        charge.instance !== undefined ||
        charge.pricePerHour !== undefined
      ) {
        throw new ValidationError(
          'A charge takes amount, or seconds with instance/pricePerHour, not both',
        );
      }
      assertSameCurrency(currency, charge.amount.currency, 'charge amount');
      return BigInt(charge.amount.micros) * HOUR_MICROSECONDS;
    }
    if (charge.seconds === undefined) {
      throw new ValidationError(
        'A charge needs seconds (with instance or pricePerHour) or amount',
        [{ path: ['seconds'], message: 'required unless amount is given' }],
      );
    }
    let price = charge.pricePerHour;
    if (price === undefined) {
      if (charge.instance === undefined) {
        throw new ValidationError(
          'A charge of seconds needs instance (priced from the catalog) or pricePerHour',
          [{ path: ['instance'], message: 'required unless pricePerHour is given' }],
        );
      }
      const spot = charge.spot ?? parsed.spot ?? false;
      const region = charge.region ?? parsed.region;
      const entry = catalog.find(charge.instance, {
        spot,
        ...(region === undefined ? {} : { region }),
      });
      price = spot ? entry.spotPrice! : entry.price!;
    }
    assertSameCurrency(currency, price.currency, 'charge price');
    const microseconds = BigInt(Math.round(charge.seconds * 1e6));
    // Counts may be fractional (half a GPU); keep them exact to a millionth.
    const count = charge.count ?? 1;
    const countMillionths = BigInt(Math.round(count * 1e6));
    return (
      (BigInt(price.micros) * microseconds * countMillionths) /
      (1_000_000n * BigInt(charge.sharedBy ?? 1))
    );
  };

  const statusOf = (state: State): BudgetStatus => {
    const spentMicros = toRoundedMicros(BigInt(state.spent));
    const limitValue = state.limitMicros;
    const byResource: Record<string, Money> = {};
    for (const [resource, value] of Object.entries(state.byResource)) {
      byResource[resource] = { micros: toRoundedMicros(BigInt(value)), currency: state.currency };
    }
    return {
      kind: 'budget',
      name: budgetName,
      currency: state.currency,
      scope: { ...state.scope },
      limit: { micros: limitValue, currency: state.currency },
      spent: { micros: spentMicros, currency: state.currency },
      remaining: { micros: Math.max(0, limitValue - spentMicros), currency: state.currency },
      fraction:
        limitValue === 0
          ? BigInt(state.spent) > 0n
            ? Number.POSITIVE_INFINITY
            : 0
          : Number(BigInt(state.spent)) / Number(BigInt(limitValue) * HOUR_MICROSECONDS),
      exhausted: BigInt(state.spent) >= BigInt(limitValue) * HOUR_MICROSECONDS,
      alertsFired: [...state.alertsFired],
      byResource,
      charges: state.charges,
      period: state.period ?? 'total',
      periodStart: new Date(state.periodStart ?? state.createdAt),
      history: (state.history ?? []).map((entry) => ({
        start: new Date(entry.start),
        spent: { micros: toRoundedMicros(BigInt(entry.spent)), currency: state.currency },
      })),
      createdAt: new Date(state.createdAt),
      updatedAt: new Date(state.updatedAt),
    };
  };

  // Group commit: charges made while an update is in flight are applied together in the next one,
  // so many concurrent callers in one process cost one compare-and-set, not one each.
  interface Pending {
    cost: bigint;
    resource: string;
    labels: Readonly<Record<string, string>> | undefined;
    at: number;
    resolve: (result: ChargeResult) => void;
    reject: (error: unknown) => void;
  }
  interface Outcome {
    error?: ValidationError;
    spent?: bigint;
    crossed?: number[];
  }
  let queue: Pending[] = [];
  let flushing = false;

  const applyBatch = async (batch: Pending[]): Promise<void> => {
    let outcomes: Outcome[] = [];
    let after: State | undefined;
    await updateWithBackoff(store, refName, (current) => {
      const state = read(current);
      if (state === undefined) {
        throw new ValidationError(
          `Budget ref ${refName} was deleted while in use; create the budget again`,
        );
      }
      // Charges are applied in order; one made in a new period starts it (and later ones see that).
      let working: State = {
        ...state,
        byResource: { ...state.byResource },
        alertsFired: [...state.alertsFired],
      };
      outcomes = [];
      for (const pending of batch) {
        working = rollOver(working, pending.at);
        const scopeNow = working.scope;
        const conflict = Object.entries(pending.labels === undefined ? {} : scopeNow).find(
          ([key, value]) => pending.labels?.[key] !== undefined && pending.labels[key] !== value,
        );
        if (conflict !== undefined) {
          const [key, value] = conflict;
          const given = pending.labels?.[key];
          outcomes.push({
            error: new ValidationError(
              `Charge label ${key}=${given} is outside budget "${budgetName}" (scope ${key}=${value}); charge the budget of ${key}=${given} instead`,
            ),
          });
          continue;
        }
        const spent = BigInt(working.spent) + pending.cost;
        working.spent = spent.toString();
        const byResource = working.byResource;
        const key =
          pending.resource in byResource || Object.keys(byResource).length < MAX_RESOURCES
            ? pending.resource
            : '(other)';
        byResource[key] = (BigInt(byResource[key] ?? '0') + pending.cost).toString();
        const limitScaled = BigInt(working.limitMicros) * HOUR_MICROSECONDS;
        const crossed: number[] = [];
        for (const threshold of alerts) {
          if (
            !working.alertsFired.includes(threshold) &&
            spent * 1_000_000n >= limitScaled * BigInt(Math.round(threshold * 1e6))
          ) {
            working.alertsFired.push(threshold);
            crossed.push(threshold);
          }
        }
        working.charges++;
        working.updatedAt = Math.max(working.updatedAt, pending.at);
        outcomes.push({ spent, crossed });
      }
      after = { ...working, alertsFired: [...working.alertsFired].sort((a, b) => a - b) };
      return JSON.stringify(after);
    });
    const limitMicrosNow = after!.limitMicros;
    const limitMoney: Money = { micros: limitMicrosNow, currency };
    for (const [index, pending] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.error !== undefined) {
        pending.reject(outcome.error);
        continue;
      }
      const spentMicros = toRoundedMicros(outcome.spent!);
      const spent: Money = { micros: spentMicros, currency };
      const exhausted = outcome.spent! >= BigInt(limitMicrosNow) * HOUR_MICROSECONDS;
      const fired: BudgetAlert[] = outcome.crossed!.map((threshold) => ({
        budget: budgetName,
        threshold,
        spent,
        limit: limitMoney,
        at: new Date(pending.at),
      }));
      if (parsed.onAlert !== undefined) {
        for (const alert of fired) {
          try {
            await parsed.onAlert(alert);
          } catch (error) {
            process.emitWarning(
              `onAlert of budget "${budgetName}" threw at threshold ${alert.threshold}: ${(error as Error)?.message ?? String(error)}`,
              'BudgetAlertWarning',
            );
          }
        }
      }
      const result: ChargeResult = {
        stop: exhausted,
        spent,
        remaining: { micros: Math.max(0, limitMicrosNow - spentMicros), currency },
        charged: { micros: toRoundedMicros(pending.cost), currency },
        alerts: fired,
      };
      if (exhausted) {
        result.reason = `Budget "${budgetName}" is exhausted: spent ${formatMoney(spent)} of ${formatMoney(limitMoney)}; raise the limit with createBudget({ limit }) or stop`;
      }
      pending.resolve(result);
    }
  };

  const flush = async (): Promise<void> => {
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        try {
          await applyBatch(batch);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  };

  const budget: Budget = {
    name: budgetName,
    currency,
    refName,
    charge(input) {
      try {
        const charge = parseOptions(chargeSchema, input, 'budget charge');
        const cost = priceCharge(charge);
        return new Promise<ChargeResult>((resolve, reject) => {
          queue.push({
            cost,
            resource: charge.resource ?? 'default',
            labels: charge.labels,
            at: now(),
            resolve,
            reject,
          });
          if (!flushing) {
            flushing = true;
            void flush();
          }
        });
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async status() {
      const state = read(await store.refs.get(refName));
      if (state === undefined) {
        throw new ValidationError(`Budget ref ${refName} was deleted; create the budget again`);
      }
      // A period that ended without charges shows as a fresh one (persisted by the next charge).
      return statusOf(rollOver(state, now()));
    },
    async assertAvailable() {
      const status = await budget.status();
      if (status.exhausted) throw new BudgetExceededError(exhaustedReason(status));
    },
  };
  return budget;
}

const MAX_ATTEMPTS = 200;

/**
 * `refs.update` with randomized exponential backoff between compare-and-set attempts: writers on
 * several handles (processes) that collide spread out instead of retrying in lockstep.
 */
async function updateWithBackoff(
  store: Store,
  name: string,
  update: (current: string | undefined) => string,
): Promise<string> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.refs.get(name);
    const next = update(current);
    try {
      await store.refs.set(name, next, { expected: current ?? null });
      return next;
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      const ceiling = Math.min(100, 2 ** Math.min(attempt, 7));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
  throw new ConflictError(
    `Budget ref ${name} kept changing during ${MAX_ATTEMPTS} attempts; too many processes charge it at once, so charge less often (e.g. budgetGuard everySeconds) or retry later`,
  );
}

function exhaustedReason(status: BudgetStatus): string {
  return `Budget "${status.name}" is exhausted: spent ${formatMoney(status.spent)} of ${formatMoney(status.limit)}; raise the limit with createBudget({ limit }) or stop`;
}

function toRoundedMicros(scaled: bigint): number {
  const half = HOUR_MICROSECONDS / 2n;
  const rounded =
    scaled >= 0n ? (scaled + half) / HOUR_MICROSECONDS : -((-scaled + half) / HOUR_MICROSECONDS);
  return Number(rounded);
}

function sameLabels(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
