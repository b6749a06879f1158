import { parseOptions } from '@mlinfra/core';
import { NotFoundError, ValidationError } from '@mlinfra/core/schema';
import { z } from 'zod';
import { findAccelerator } from '../catalog/accelerators.js';
import type { Catalog, CatalogEntry } from '../catalog/catalog.js';
import { costOfSeconds } from '../money/money.js';
import type { Money } from '../money/money-type.js';
import { expectedRunTiming, optimalCheckpointInterval, type RunTiming } from './checkpoint.js';
import {
  catalogSchema,
  instanceSchema,
  moneySchema,
  resolveInstance,
} from './internal/instance.js';

/** How often spot capacity is taken back and what a restart costs. */
export interface SpotOptions {
  /** Expected preemptions per instance-hour (Poisson rate), e.g. `0.05`; 0 means never. */
  interruptionRatePerHour: number;
  /** Seconds from a preemption until training runs again (new instance, load checkpoint). Default 300. */
  restartOverheadS?: number;
}

/** The work of a training job: `samples x epochs` at `throughput`, or `flops` at a utilization. */
export interface TrainingWork {
  /** Training samples per epoch. Needed with `throughput`. */
  samples?: number;
  /** Epochs. Default 1. */
  epochs?: number;
  /** Samples per second of the whole job (all instances together). Give this or `flops`. */
  throughput?: number;
  /** Total training FLOPs (e.g. `6 x parameters x tokens`). Give this or `throughput`. */
  flops?: number;
  /**
   * Fraction of the accelerators' datasheet peak reached with `flops` (model FLOPs utilization).
   * Default 0.4.
   */
  utilization?: number;
}

/** Options of {@link estimateTraining}. */
export interface TrainingEstimateOptions extends TrainingWork {
  /** Instance type name from the catalog, or a catalog entry. */
  instance: string | CatalogEntry;
  /** Region; default the cheapest region listing the instance. */
  region?: string;
  /** Instances (nodes) running the job together. Default 1. */
  instances?: number;
  /** Price catalog. Default {@link defaultCatalog}. */
  catalog?: Catalog;
  /** On-demand price per instance-hour, overriding the catalog. */
  pricePerHour?: Money;
  /** Spot price per instance-hour, overriding the catalog. */
  spotPricePerHour?: Money;
  /** Spot behaviour; when given, the estimate includes a spot scenario. */
  spot?: SpotOptions;
  /**
   * Seconds of work between checkpoints. Default: Young/Daly's optimum for the spot scenario
   * (`sqrt(2 x checkpointCostS x MTBF)`), and the same interval on demand so both are comparable;
   * `Infinity` for no checkpoints.
   */
  checkpointIntervalS?: number;
  /** Seconds one checkpoint takes to write. Default 0. */
  checkpointCostS?: number;
}

/** One way of running the job (on-demand or spot) and what it is expected to cost. */
export interface ScenarioEstimate extends RunTiming {
  /** Price per instance-hour used. */
  pricePerHour: Money;
  /** Seconds of work between checkpoints (`Infinity` for none, 0 for continuous). */
  checkpointIntervalS: number;
  /** Expected cost of all instances for the expected wall time, rounded to a micro-unit. */
  cost: Money;
}

/** What {@link estimateTraining} returns. */
export interface TrainingEstimate {
  /** Report kind, for the report renderers. */
  kind: 'training-estimate';
  /** Currency of every amount. */
  currency: string;
  /** Provider of the instance. */
  provider: string;
  /** Instance type. */
  instance: string;
  /** Region priced. */
  region: string;
  /** Instances running together. */
  instances: number;
  /** Seconds of useful compute. */
  computeSeconds: number;
  /** The on-demand scenario, when the instance has an on-demand price. */
  onDemand?: ScenarioEstimate;
  /** The spot scenario, when `spot` was given (an instance without a spot price is a NotFoundError). */
  spot?: ScenarioEstimate;
  /** The cheaper scenario. */
  cheapest: 'on-demand' | 'spot';
}

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

/** Zod shape of {@link TrainingWork}, shared with `cheapest`. */
export const workShape = {
  samples: positive.optional(),
  epochs: positive.optional(),
  throughput: positive.optional(),
  flops: positive.optional(),
  utilization: z.number().gt(0).max(1).optional(),
};

/** Zod schema of {@link SpotOptions}. */
export const spotSchema = z.strictObject({
  interruptionRatePerHour: nonNegative,
  restartOverheadS: nonNegative.optional(),
});

const schema = z.strictObject({
  ...workShape,
  instance: instanceSchema,
  region: z.string().min(1).optional(),
  instances: z.number().int().positive().optional(),
  catalog: catalogSchema.optional(),
  pricePerHour: moneySchema.optional(),
  spotPricePerHour: moneySchema.optional(),
  spot: spotSchema.optional(),
  checkpointIntervalS: z
    .custom<number>(
      (value) => typeof value === 'number' && value >= 0,
      'must be a number of seconds >= 0, or Infinity for no checkpoints',
    )
    .optional(),
  checkpointCostS: nonNegative.optional(),
});

/** Default restart overhead after a preemption, seconds. */
export const DEFAULT_RESTART_OVERHEAD_S = 300;
/** Default model FLOPs utilization for FLOP-based estimates. */
export const DEFAULT_UTILIZATION = 0.4;

/** {@link TrainingWork} as parsed (optional fields may hold undefined). */
export type ParsedWork = { [K in keyof TrainingWork]?: TrainingWork[K] | undefined };

/**
 * Seconds of compute one instance group needs for `work`, or undefined when it cannot be known
 * (no throughput, or FLOPs on an accelerator without a datasheet figure).
 */
export function computeSecondsFor(
  work: ParsedWork,
  entry: CatalogEntry,
  instances: number,
): number | undefined {
  const epochs = work.epochs ?? 1;
  if (work.flops !== undefined) {
    const spec = findAccelerator(entry.acceleratorName);
    if (spec === undefined || entry.acceleratorCount === 0) return undefined;
    const flopsPerSecond =
      spec.peakTflops *
      1e12 *
      entry.acceleratorCount *
      instances *
      (work.utilization ?? DEFAULT_UTILIZATION);
    return (work.flops * epochs) / flopsPerSecond;
  }
  if (work.throughput !== undefined && work.samples !== undefined)
    return (work.samples * epochs) / work.throughput;
  return undefined;
}

/** Checks that exactly one way of stating the work was given. */
export function assertWork(work: ParsedWork): void {
  if ((work.flops === undefined) === (work.throughput === undefined)) {
    throw new ValidationError(
      'Give the work as either throughput (with samples) or flops, not both and not neither',
      [{ path: ['throughput'], message: 'give throughput + samples, or flops' }],
    );
  }
  if (work.throughput !== undefined && work.samples === undefined) {
    throw new ValidationError(
      'throughput needs samples (per epoch) to know how much work there is',
      [{ path: ['samples'], message: 'required with throughput' }],
    );
  }
}

/**
 * Expected wall time and cost of a training job on one instance type, on demand and (with `spot`)
 * on spot capacity, including checkpoint overhead, restarts and work redone after preemptions (see
 * {@link expectedRunTiming} for the model). A job on several instances is preempted when any one is,
 * so the interruption rate scales with `instances`.
 * @throws ValidationError for bad options; NotFoundError when the instance is not in the catalog.
 */
export function estimateTraining(options: TrainingEstimateOptions): TrainingEstimate {
  const parsed = parseOptions(schema, options, 'estimateTraining options');
  assertWork(parsed);
  const spotWanted = parsed.spot !== undefined;
  const resolved = resolveInstance({
    instance: options.instance,
    region: parsed.region,
    catalog: options.catalog,
    pricePerHour: parsed.pricePerHour,
    spotPricePerHour: parsed.spotPricePerHour,
  });
  const instances = parsed.instances ?? 1;
  const workSeconds = computeSecondsFor(parsed, resolved.entry, instances);
  if (workSeconds === undefined) {
    throw new ValidationError(
      `Cannot turn FLOPs into time on ${resolved.entry.instanceType}: its accelerator (${resolved.entry.acceleratorName ?? 'none'}) has no known peak throughput; give throughput in samples per second instead`,
    );
  }
  const checkpointCostS = parsed.checkpointCostS ?? 0;
  const ratePerSecond = ((parsed.spot?.interruptionRatePerHour ?? 0) * instances) / 3600;
  const interval = chooseInterval(parsed.checkpointIntervalS, checkpointCostS, ratePerSecond);
  const scenario = (price: Money, rate: number, restartS: number): ScenarioEstimate => {
    const timing = expectedRunTiming(workSeconds, interval, checkpointCostS, rate, restartS);
    const micros = costOfSeconds(price.micros * instances, timing.wallSeconds);
    if (!Number.isSafeInteger(micros)) {
      throw new ValidationError(
        `The expected run time on ${resolved.entry.instanceType} is unbounded (${timing.wallSeconds} s): preemptions come faster than segments finish; checkpoint more often (checkpointIntervalS) or use on-demand`,
      );
    }
    return {
      ...timing,
      pricePerHour: price,
      checkpointIntervalS: interval,
      cost: { micros, currency: price.currency },
    };
  };
  const estimate: TrainingEstimate = {
    kind: 'training-estimate',
    currency: resolved.currency,
    provider: resolved.entry.provider,
    instance: resolved.entry.instanceType,
    region: resolved.entry.region,
    instances,
    computeSeconds: workSeconds,
    cheapest: 'on-demand',
  };
  if (resolved.price !== undefined) estimate.onDemand = scenario(resolved.price, 0, 0);
  if (spotWanted && resolved.spotPrice === undefined) {
    throw new NotFoundError(
      `${resolved.entry.instanceType} in ${resolved.entry.region} has no spot price in the catalog; pass spotPricePerHour, pick a region that lists one, or leave out spot`,
    );
  }
  if (spotWanted && resolved.spotPrice !== undefined) {
    estimate.spot = scenario(
      resolved.spotPrice,
      ratePerSecond,
      parsed.spot?.restartOverheadS ?? DEFAULT_RESTART_OVERHEAD_S,
    );
  }
  if (estimate.onDemand === undefined && estimate.spot === undefined) {
    throw new ValidationError(
      `${resolved.entry.instanceType} has only a spot price; pass spot: { interruptionRatePerHour } or pricePerHour`,
    );
  }
  if (
    estimate.spot !== undefined &&
    (estimate.onDemand === undefined || estimate.spot.cost.micros < estimate.onDemand.cost.micros)
  ) {
    estimate.cheapest = 'spot';
  }
  return estimate;
}

/** Default checkpoint interval: Young's optimum when checkpoints cost time, else continuous. */
export function chooseInterval(
  given: number | undefined,
  checkpointCostS: number,
  ratePerSecond: number,
): number {
  if (given !== undefined) {
    if (given === 0 && checkpointCostS > 0) {
      throw new ValidationError(
        'checkpointIntervalS 0 (continuous checkpoints) needs checkpointCostS 0',
        [{ path: ['checkpointIntervalS'], message: 'must be > 0 when checkpoints cost time' }],
      );
    }
    return given;
  }
  if (ratePerSecond === 0) return Number.POSITIVE_INFINITY;
  if (checkpointCostS === 0) return 0;
  return optimalCheckpointInterval({ checkpointCostS, mtbfS: 1 / ratePerSecond });
}
