import type { BudgetGuard } from './interfaces.js';
import type { BudgetOption } from './train-options.js';

/** Default charging cadence, in device-seconds. */
const DEFAULT_EVERY_SECONDS = 10;

/**
 * Collects device-seconds and charges them to the budget guard in chunks of at least
 * `everySeconds` (always when forced, at epoch ends and at the end); remembers the guard's reason
 * once it says stop.
 */
export class BudgetMeter {
  /** The guard's reason, once it said stop. */
  stopReason: string | undefined;
  private uncharged = 0;
  private readonly guard: BudgetGuard | undefined;
  private readonly everySeconds: number;

  constructor(
    option: BudgetOption | undefined,
    private readonly device: 'gpu' | 'cpu',
  ) {
    if (option !== undefined && 'guard' in option) {
      this.guard = option.guard;
      this.everySeconds = option.everySeconds ?? DEFAULT_EVERY_SECONDS;
    } else {
      this.guard = option;
      this.everySeconds = DEFAULT_EVERY_SECONDS;
    }
  }

  /** Records device time not yet charged. */
  add(seconds: number): void {
    this.uncharged += seconds;
  }

  /** Charges what was recorded, when it reached `everySeconds` or `force` is set. */
  async charge(force: boolean): Promise<void> {
    if (this.guard === undefined || this.uncharged <= 0) return;
    if (!force && this.uncharged < this.everySeconds) return;
    const seconds = this.uncharged;
    this.uncharged = 0;
    const decision = await this.guard.charge(seconds, { device: this.device });
    if (decision?.stop === true) this.stopReason = decision.reason ?? 'the budget is spent';
  }
}
