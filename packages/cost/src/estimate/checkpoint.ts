import { parseOptions } from '@mlinfra/core';
import { z } from 'zod';

/** Options of {@link optimalCheckpointInterval}. Give `mtbfS` or `interruptionRatePerHour`. */
export interface CheckpointIntervalOptions {
  /** Seconds one checkpoint takes to write (work stops meanwhile). Must be > 0. */
  checkpointCostS: number;
  /** Mean time between failures/preemptions, seconds. */
  mtbfS?: number;
  /** Preemptions per hour (Poisson rate); `mtbfS = 3600 / rate`. */
  interruptionRatePerHour?: number;
  /**
   * `'young'` (default): Young (1974), `sqrt(2 C M)`. `'daly'`: Daly (2006) higher-order estimate,
   * `sqrt(2CM)(1 + sqrt(C/2M)/3 + (C/2M)/9) - C` for `C < 2M`, else `M`.
   */
  method?: 'young' | 'daly';
}

const schema = z
  .strictObject({
    checkpointCostS: z.number().finite().positive(),
    mtbfS: z.number().positive().optional(),
    interruptionRatePerHour: z.number().finite().nonnegative().optional(),
    method: z.enum(['young', 'daly']).optional(),
  })
  .refine(
    (options) => (options.mtbfS === undefined) !== (options.interruptionRatePerHour === undefined),
    {
      message: 'give exactly one of mtbfS or interruptionRatePerHour',
      path: ['mtbfS'],
    },
  );

/**
 * The checkpoint interval (seconds of work between checkpoints) that minimises expected run time
 * under preemptions: Young/Daly's `sqrt(2 x checkpoint cost x MTBF)`. With a zero interruption rate
 * the answer is `Infinity` (never checkpoint for preemptions).
 * @throws ValidationError for a non-positive checkpoint cost or when neither or both of `mtbfS` and
 * `interruptionRatePerHour` are given.
 */
export function optimalCheckpointInterval(options: CheckpointIntervalOptions): number {
  const parsed = parseOptions(schema, options, 'optimalCheckpointInterval options');
  const mtbf = parsed.mtbfS ?? 3600 / parsed.interruptionRatePerHour!;
  if (!Number.isFinite(mtbf)) return Number.POSITIVE_INFINITY;
  const cost = parsed.checkpointCostS;
  const young = Math.sqrt(2 * cost * mtbf);
  if ((parsed.method ?? 'young') === 'young') return young;
  if (cost >= 2 * mtbf) return mtbf;
  const ratio = cost / (2 * mtbf);
  return young * (1 + Math.sqrt(ratio) / 3 + ratio / 9) - cost;
}

/** Expected timing of a job of `workS` seconds of compute under Poisson preemptions. */
export interface RunTiming {
  /** Expected wall-clock seconds, including checkpoints, restarts and redone work. */
  wallSeconds: number;
  /** Seconds of useful compute (the input work). */
  computeSeconds: number;
  /** Checkpoints written (not counting the final save). */
  checkpoints: number;
  /** Seconds spent writing checkpoints. */
  checkpointOverheadSeconds: number;
  /** Expected number of preemptions. */
  expectedPreemptions: number;
  /** Expected seconds of compute lost to preemptions and redone. */
  lostWorkSeconds: number;
  /** Expected seconds spent restarting after preemptions. */
  restartOverheadSeconds: number;
}

/**
 * Expected timing under the model used by all estimates: work is split into segments of
 * `intervalS` seconds, each followed by a checkpoint of `checkpointCostS`; a segment must run
 * uninterrupted; preemptions arrive as a Poisson process of rate `ratePerSecond` while a segment
 * runs; each costs `restartS` (during which no preemption happens) and the segment starts over.
 * A segment of length `s` then takes `(e^(rate s) - 1)(1/rate + restartS)` seconds on average.
 * `intervalS = Infinity` means no checkpoints; `intervalS = 0` (only with a zero checkpoint cost)
 * means continuous, free checkpointing.
 */
export function expectedRunTiming(
  workS: number,
  intervalS: number,
  checkpointCostS: number,
  ratePerSecond: number,
  restartS: number,
): RunTiming {
  const timing: RunTiming = {
    wallSeconds: 0,
    computeSeconds: workS,
    checkpoints: 0,
    checkpointOverheadSeconds: 0,
    expectedPreemptions: 0,
    lostWorkSeconds: 0,
    restartOverheadSeconds: 0,
  };
  if (workS === 0) return timing;
  if (intervalS === 0) {
    timing.expectedPreemptions = ratePerSecond * workS;
    timing.restartOverheadSeconds = timing.expectedPreemptions * restartS;
    timing.wallSeconds = workS + timing.restartOverheadSeconds;
    return timing;
  }
  const segments = Number.isFinite(intervalS)
    ? Math.max(1, Math.ceil(workS / intervalS - 1e-12))
    : 1;
  const full = segments - 1;
  const last = workS - full * (Number.isFinite(intervalS) ? intervalS : 0);
  timing.checkpoints = full;
  timing.checkpointOverheadSeconds = full * checkpointCostS;
  const add = (length: number, times: number) => {
    if (times === 0) return;
    if (ratePerSecond === 0) {
      timing.wallSeconds += times * length;
      return;
    }
    const exponent = ratePerSecond * length;
    const failures = Math.expm1(exponent);
    // (e^x - 1) / rate computed as length x (e^x - 1) / x: stays finite for denormal rates.
    const running = exponent === 0 ? length : length * (failures / exponent);
    timing.expectedPreemptions += times * failures;
    timing.lostWorkSeconds += times * (running - length);
    timing.restartOverheadSeconds += times * failures * restartS;
    timing.wallSeconds += times * (running + failures * restartS);
  };
  add(Number.isFinite(intervalS) ? intervalS + checkpointCostS : 0, full);
  add(last, 1);
  return timing;
}
