import type {
  BudgetDecision as BudgetDecisionContract,
  BudgetGuard as BudgetGuardContract,
} from '@mlinfra/core/contracts';
import type { Money } from '../money/money-type.js';

/**
 * What a {@link BudgetGuard} answers after each charge. `stop: true` means the budget is spent:
 * the caller should checkpoint and stop. The contract's `BudgetDecision` plus the amounts.
 */
export interface BudgetDecision extends BudgetDecisionContract {
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
 * The `BudgetGuard` of `@mlinfra/core/contracts` that `@mlinfra/trainer` accepts to enforce a
 * budget, answering with amounts. The trainer calls `charge` with the device-seconds it used since
 * the last call; {@link budgetGuard} builds one.
 */
export interface BudgetGuard extends BudgetGuardContract {
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
