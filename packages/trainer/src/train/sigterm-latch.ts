/** What SIGTERM does while training; see `TrainOptions.onSigterm`. */
export type SigtermMode = 'exit' | 'return' | 'ignore';

/**
 * Latches SIGTERM while training runs, so the loop can finish the current step, checkpoint and
 * stop. Installed only when there is somewhere to checkpoint and the mode is not `'ignore'`.
 */
export class SigtermLatch {
  /** Whether SIGTERM arrived. */
  signalled = false;
  private readonly installed: boolean;
  private readonly onSignal = () => {
    this.signalled = true;
  };

  constructor(
    private readonly mode: SigtermMode,
    checkpointing: boolean,
  ) {
    this.installed = checkpointing && mode !== 'ignore';
    if (this.installed) process.on('SIGTERM', this.onSignal);
  }

  /** Removes the handler. */
  release(): void {
    if (this.installed) process.off('SIGTERM', this.onSignal);
  }

  /**
   * After {@link release}: in `'exit'` mode, when the signal arrived and nobody else handles
   * SIGTERM, raises it again so the process ends as it would have without us (never returns then).
   */
  async exitIfSignalled(): Promise<void> {
    if (!this.signalled || this.mode !== 'exit' || process.listenerCount('SIGTERM') !== 0) return;
    // The checkpoint is written. When the application has its own SIGTERM handlers they already
    // ran, so we return instead and let them shut down.
    process.kill(process.pid, 'SIGTERM');
    await new Promise(() => undefined);
  }
}
