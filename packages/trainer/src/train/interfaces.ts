// The contracts the trainer consumes, declared once in @mlinfra/core/contracts: a
// `@mlinfra/registry` Run is a RunLogger and `@mlinfra/cost`'s budgetGuard() a BudgetGuard.
import type { BudgetDecision } from '@mlinfra/core/contracts';

export type { BudgetGuard, RunLogger } from '@mlinfra/core/contracts';

/** What a `BudgetGuard` answers (the contract's `BudgetDecision`; kept under its old name). */
export type BudgetDecisionLike = BudgetDecision;
