/**
 * `@mlinfra/cost`: GPU price catalogs, training and serving cost estimates, spot and checkpoint
 * economics, budgets that stop training, and OpenCost-style cost allocation.
 * @packageDocumentation
 */

/**
 * An amount of money in integer micro-units of its currency (1 USD = 1,000,000 micros), so sums never
 * drift the way floating-point dollars do. `micros` is always a safe integer.
 */
export interface Money {
  /** The amount in millionths of one unit of `currency` (a safe integer; may be negative for credits). */
  readonly micros: number;
  /** ISO 4217 code, three upper-case letters, e.g. `'USD'`. */
  readonly currency: string;
}

/**
 * What a {@link BudgetGuard} answers after each charge. `stop: true` means the budget is spent:
 * the caller should checkpoint and stop.
 */
export interface BudgetDecision {
  /** True when the budget is exhausted (spent >= limit) and work must stop. */
  stop: boolean;
  /** Why the caller must stop (present when `stop` is true), naming the budget and amounts. */
  reason?: string;
  /** Total spent on the budget so far, including this charge. */
  spent: Money;
  /** What is left of the limit (never negative; zero once exhausted). */
  remaining: Money;
}

/**
 * The structural interface `@mlinfra/trainer` accepts to enforce a budget. The trainer calls
 * `charge` with the device-seconds it used since the last call; {@link budgetGuard} builds one.
 */
export interface BudgetGuard {
  /**
   * Charges `deviceSeconds` (seconds of one device, e.g. one GPU, summed over devices) and says
   * whether to stop. `info.device` names the device kind (`'gpu'`, `'cpu'`, `'webgpu'`),
   * `info.instance` the instance type, overriding the guard's default.
   */
  charge(
    deviceSeconds: number,
    info?: { device?: string; instance?: string },
  ): Promise<BudgetDecision> | BudgetDecision;
}

export {
  type AllocationOptions,
  type AllocationReport,
  type AllocationRow,
  type AssetCapacity,
  allocateCosts,
  IDLE,
  SHARED,
  type SpreadMode,
  type TimeInput,
  UNALLOCATED,
  type UsageRecord,
} from './allocation/allocate.js';
export {
  type Budget,
  type BudgetAlert,
  type BudgetCharge,
  type BudgetOptions,
  type BudgetPeriod,
  type BudgetStatus,
  type ChargeResult,
  createBudget,
  DEFAULT_ALERTS,
} from './budget/budget.js';
export { type BudgetGuardOptions, budgetGuard } from './budget/budget-guard.js';
export {
  ACCELERATORS,
  type AcceleratorSpec,
  findAccelerator,
} from './catalog/accelerators.js';
export {
  acceleratorMemoryOf,
  type Catalog,
  type CatalogEntry,
  type CatalogFilter,
  type CatalogMetadata,
  createCatalog,
  type FindOptions,
  mergeCatalogs,
} from './catalog/catalog.js';
export { DEFAULT_CATALOG_METADATA, defaultCatalog } from './catalog/default-catalog.js';
export { type LoadCatalogOptions, loadCatalog, parseCatalog } from './catalog/load-catalog.js';
export {
  type CheapestOption,
  type CheapestOptions,
  type CheapestReport,
  cheapest,
} from './estimate/cheapest.js';
export {
  type CheckpointIntervalOptions,
  expectedRunTiming,
  optimalCheckpointInterval,
  type RunTiming,
} from './estimate/checkpoint.js';
export {
  estimateServing,
  HOURS_PER_MONTH,
  type ServingEstimate,
  type ServingEstimateOptions,
} from './estimate/serving.js';
export {
  DEFAULT_RESTART_OVERHEAD_S,
  DEFAULT_UTILIZATION,
  estimateTraining,
  type ScenarioEstimate,
  type SpotOptions,
  type TrainingEstimate,
  type TrainingEstimateOptions,
  type TrainingWork,
} from './estimate/training.js';
export {
  addMoney,
  assertCurrency,
  formatMoney,
  fromMicros,
  MICROS_PER_UNIT,
  money,
  splitMoney,
  subtractMoney,
  toDecimalString,
  toUnits,
} from './money/money.js';
export { type CostReport, type ReportFormat, renderReport } from './report/render-report.js';
