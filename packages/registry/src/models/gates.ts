import { z } from 'zod';
import type { SliceMetrics } from '../types.js';

/**
 * A promotion gate on one metric. The candidate must meet the absolute bounds (`min`, `max`) and
 * may be worse than the version that currently holds the alias by at most `maxRegression`.
 */
export interface PromotionGate {
  /** Metric name, as given in `registerModel`'s `metrics` and `slices`. */
  metric: string;
  /** Whether a higher value is better (AUC, accuracy) or worse (loss, latency). Default true. */
  higherIsBetter?: boolean;
  /** The candidate's value must be at least this. */
  min?: number;
  /** The candidate's value must be at most this. */
  max?: number;
  /**
   * How much worse than the current holder of the alias the candidate may be, in the metric's
   * units (0.005 means "AUC may not drop by more than 0.005"). Skipped when the alias is unset or
   * the holder lacks the metric. Default: no comparison.
   */
  maxRegression?: number;
  /**
   * Where the gate applies: `'overall'` (default) checks the overall metrics only, `'all'` checks
   * overall and every slice the candidate or the holder reports, a list checks overall and the
   * named slices. A slice the holder has and the candidate lacks fails the gate.
   */
  slices?: 'overall' | 'all' | string[];
}

/** The outcome of one gate on one slice. */
export interface GateCheck {
  /** The gate's metric. */
  metric: string;
  /** Slice name, or undefined for the overall metrics. */
  slice?: string;
  /** The candidate's value (undefined when it lacks the metric). */
  candidate?: number;
  /** The current alias holder's value, when compared. */
  baseline?: number;
  /** Whether this check passed. */
  passed: boolean;
  /** Why it passed or failed, in words. */
  reason: string;
}

/** The outcome of {@link Registry.promote}. */
export interface PromotionReport {
  /** Model name. */
  name: string;
  /** The candidate version. */
  version: number;
  /** The alias being moved. */
  alias: string;
  /** The version that held the alias before (undefined when it was unset). */
  previousVersion?: number;
  /** Whether the alias now points at the candidate. */
  promoted: boolean;
  /** Every check made, in gate order. */
  checks: GateCheck[];
  /** The checks that failed. */
  failures: GateCheck[];
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** Zod schema of a gate list. */
export const gatesSchema = z.array(
  z.strictObject({
    metric: z.string().min(1),
    higherIsBetter: z.boolean().optional(),
    min: finite.optional(),
    max: finite.optional(),
    maxRegression: finite.refine((value) => value >= 0, 'must be >= 0').optional(),
    slices: z
      .union([z.literal('overall'), z.literal('all'), z.array(z.string().min(1))])
      .optional(),
  }),
);

interface Evaluated {
  metrics: Record<string, number>;
  slices: SliceMetrics;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '');
}

/** Evaluates gates for a candidate against the current holder (if any). Pure. */
export function evaluateGates(
  gates: readonly PromotionGate[],
  candidate: Evaluated,
  holder: (Evaluated & { version: number }) | undefined,
): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const gate of gates) {
    const higherIsBetter = gate.higherIsBetter ?? true;
    const scope = gate.slices ?? 'overall';
    const sliceNames: Array<string | undefined> = [undefined];
    if (scope === 'all') {
      const names = new Set<string>();
      for (const [name, values] of Object.entries(candidate.slices)) {
        if (gate.metric in values) names.add(name);
      }
      for (const [name, values] of Object.entries(holder?.slices ?? {})) {
        if (gate.metric in values) names.add(name);
      }
      sliceNames.push(...[...names].sort());
    } else if (Array.isArray(scope)) sliceNames.push(...scope);
    for (const slice of sliceNames) {
      const where = slice === undefined ? 'overall' : `slice "${slice}"`;
      const value =
        slice === undefined
          ? candidate.metrics[gate.metric]
          : candidate.slices[slice]?.[gate.metric];
      const baseline =
        holder === undefined
          ? undefined
          : slice === undefined
            ? holder.metrics[gate.metric]
            : holder.slices[slice]?.[gate.metric];
      const check: GateCheck = { metric: gate.metric, passed: true, reason: '' };
      if (slice !== undefined) check.slice = slice;
      if (baseline !== undefined) check.baseline = baseline;
      if (value === undefined || Number.isNaN(value)) {
        check.passed = false;
        check.reason = `the candidate has no ${gate.metric} ${where}; register it with that metric`;
        checks.push(check);
        continue;
      }
      check.candidate = value;
      const reasons: string[] = [];
      const failures: string[] = [];
      if (gate.min !== undefined) {
        (value >= gate.min ? reasons : failures).push(
          `${gate.metric} ${format(value)} ${value >= gate.min ? '>=' : '<'} min ${format(gate.min)}`,
        );
      }
      if (gate.max !== undefined) {
        (value <= gate.max ? reasons : failures).push(
          `${gate.metric} ${format(value)} ${value <= gate.max ? '<=' : '>'} max ${format(gate.max)}`,
        );
      }
      if (gate.maxRegression !== undefined) {
        if (holder === undefined) reasons.push('no current holder to compare with');
        else if (baseline === undefined || Number.isNaN(baseline)) {
          reasons.push(`version ${holder.version} has no ${gate.metric} ${where} to compare with`);
        } else {
          const regression = higherIsBetter ? baseline - value : value - baseline;
          // A tolerance of a few ulps so that a drop of exactly maxRegression passes.
          const allowed = gate.maxRegression + 1e-12 * Math.max(1, Math.abs(baseline));
          const text = `${regression > 0 ? 'worse' : 'not worse'} than version ${holder.version} (${format(baseline)}) by ${format(Math.max(0, regression))}, allowed ${format(gate.maxRegression)}`;
          (regression <= allowed ? reasons : failures).push(text);
        }
      }
      check.passed = failures.length === 0;
      check.reason = `${where}: ${(check.passed ? reasons : failures).join('; ') || 'no bounds set'}`;
      checks.push(check);
    }
  }
  return checks;
}
