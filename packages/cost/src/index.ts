/**
 * `@mlinfra/cost`: GPU price catalogs, training and serving cost estimates, spot and checkpoint
 * economics, budgets that stop training, and OpenCost-style cost allocation.
 * @packageDocumentation
 */

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
export type { BudgetDecision, BudgetGuard } from './budget/budget-decision.js';
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
export type { Money } from './money/money-type.js';
export { type CostReport, type ReportFormat, renderReport } from './report/render-report.js';
