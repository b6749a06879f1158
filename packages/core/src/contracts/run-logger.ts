/**
 * Receives a training run's parameters and metrics. Consumed by `@mlinfra/trainer` (`logger`
 * option); a `@mlinfra/registry` `Run` is one. Calls are awaited; a logger that throws fails the
 * training run, so make it robust.
 */
export interface RunLogger {
  /** Called once at the start with the training configuration. */
  logParams(params: Record<string, string | number | boolean>): unknown;
  /**
   * Called after every step (`loss`, `lr`) and every epoch (`epoch_loss`, `val_*`), with the
   * global step.
   */
  logMetrics(values: Record<string, number>, options: { step: number }): unknown;
  /** Called once at the start (backend, status at the end). Optional. */
  setTags?(tags: Record<string, string>): unknown;
  /** Called with the final checkpoint's digest when training ends. Optional. */
  logArtifact?(name: string, data: { digest: string }): unknown;
}
