/**
 * `@mlinfra/core/contracts`: the structural interfaces packages meet through, declared once and
 * type-only (this entry has no runtime code). Producers and consumers are both checked against
 * them, while packages still never import each other.
 * @packageDocumentation
 */
export type { BudgetDecision, BudgetGuard } from './contracts/budget-guard.js';
export type { JsonValue } from './contracts/json-value.js';
export type {
  ModelChangeEvent,
  ModelSource,
  ResolvedModel,
  Unsubscribe,
} from './contracts/model-source.js';
export type { PredictionRecord, PredictionSink } from './contracts/prediction-sink.js';
export type { RunLogger } from './contracts/run-logger.js';
