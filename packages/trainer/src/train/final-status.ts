import type { FinishedState } from './trainer-state.js';

/** How training ended. */
export type TrainStatus = 'completed' | 'early-stopped' | 'budget-exhausted' | 'interrupted';

/** A callback's request to stop (`context.stopTraining(reason)`). */
export interface StopRequest {
  requested: boolean;
  reason: string | undefined;
}

/** The early-stopped state, with the callback's reason when it gave one. */
export function earlyStopped(reason: string | undefined): FinishedState {
  return reason === undefined ? { status: 'early-stopped' } : { status: 'early-stopped', reason };
}

/** What ended the run, in order of precedence. */
export interface EndCauses {
  /** The budget guard's reason, when it said stop. */
  budgetStop: string | undefined;
  /** SIGTERM arrived. */
  signalled: boolean;
  /** The run's finished state (also from a resumed checkpoint). */
  finished: FinishedState | null;
  stop: StopRequest;
}

/**
 * The status and reason `train()` returns: a spent budget, then SIGTERM, then the run's finished
 * state, then a stop request that came too late to be recorded (e.g. in `onTrainBegin` of a run
 * with no epochs left); otherwise completed.
 */
export function finalStatus(causes: EndCauses): { status: TrainStatus; reason?: string } {
  if (causes.budgetStop !== undefined)
    return { status: 'budget-exhausted', reason: causes.budgetStop };
  if (causes.signalled) return { status: 'interrupted', reason: 'SIGTERM' };
  const finished =
    causes.finished ?? (causes.stop.requested ? earlyStopped(causes.stop.reason) : null);
  if (finished === null) return { status: 'completed' };
  return finished.reason === undefined
    ? { status: finished.status }
    : { status: finished.status, reason: finished.reason };
}
