/**
 * Receives a run's parameters and metrics (structural: a `@mlinfra/registry` Run satisfies it).
 * Calls are awaited; a logger that throws fails the training run, so make it robust.
 */
export interface RunLogger {
  /** Called once at the start with the training configuration. */
  logParams(params: Record<string, string | number | boolean>): unknown;
  /** Called after every step (`loss`, `lr`) and every epoch (`epoch_loss`, `val_*`), with the global step. */
  logMetrics(values: Record<string, number>, options: { step: number }): unknown;
  /** Called once at the start (backend, status at the end). Optional. */
  setTags?(tags: Record<string, string>): unknown;
  /** Called with the final checkpoint's digest when training ends. Optional. */
  logArtifact?(name: string, data: { digest: string }): unknown;
}

/** What a {@link BudgetGuard} answers. */
export interface BudgetDecisionLike {
  /** True when the budget is spent: training checkpoints and ends with status `'budget-exhausted'`. */
  stop: boolean;
  /** Why, when stopping. */
  reason?: string;
}

/** Charged with device-seconds (structural: `@mlinfra/cost`'s budget guard satisfies it). */
export interface BudgetGuard {
  /** Charges device-seconds used since the previous call; `info.device` is `'gpu'` or `'cpu'`. */
  charge(
    deviceSeconds: number,
    info?: { device?: string },
  ): Promise<BudgetDecisionLike> | BudgetDecisionLike;
}
