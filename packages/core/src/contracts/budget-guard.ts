/** What a {@link BudgetGuard} answers after each charge. */
export interface BudgetDecision {
  /** True when the budget is spent: the caller checkpoints and stops. */
  stop: boolean;
  /** Why, when stopping (names the budget and amounts). */
  reason?: string;
}

/**
 * Charged with device-seconds; says when to stop. Consumed by `@mlinfra/trainer` (`budget`
 * option); `@mlinfra/cost`'s `budgetGuard()` builds one.
 */
export interface BudgetGuard {
  /**
   * Charges `deviceSeconds` (seconds of one device, summed over devices) used since the previous
   * call. `info.device` names the device kind (`'gpu'`, `'cpu'`, `'webgpu'`), `info.instance` the
   * instance type.
   */
  charge(
    deviceSeconds: number,
    info?: { device?: string; instance?: string },
  ): Promise<BudgetDecision> | BudgetDecision;
}
