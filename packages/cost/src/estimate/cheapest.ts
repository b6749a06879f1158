import { parseOptions } from '@mlinfra/core';
import { ValidationError } from '@mlinfra/core/schema';
import { z } from 'zod';
import type { Catalog, CatalogEntry } from '../catalog/catalog.js';
import { defaultCatalog } from '../catalog/default-catalog.js';
import { costOfSeconds } from '../money/money.js';
import type { Money } from '../money/money-type.js';
import { expectedRunTiming, type RunTiming } from './checkpoint.js';
import { catalogSchema } from './internal/instance.js';
import {
  chooseInterval,
  computeSecondsFor,
  DEFAULT_RESTART_OVERHEAD_S,
  type SpotOptions,
  spotSchema,
  type TrainingWork,
  workShape,
} from './training.js';

/** Options of {@link cheapest}. */
export interface CheapestOptions extends Omit<TrainingWork, 'throughput'> {
  /**
   * Samples per second: a number is the throughput of ONE accelerator and scales linearly with the
   * accelerator count; a record maps accelerator names (`'A100'`) to per-accelerator throughput;
   * a function gives the whole instance's throughput (undefined skips the entry). Give this or `flops`.
   */
  throughput?:
    | number
    | Readonly<Record<string, number>>
    | ((entry: CatalogEntry) => number | undefined);
  /** Minimum memory of each accelerator, GiB. Default 0. */
  gpuMemoryGiB?: number;
  /** Minimum accelerators per instance. Default 1. */
  gpus?: number;
  /** The job must be expected to finish within this many hours. Default: no deadline. */
  deadlineHours?: number;
  /** Consider spot capacity with this behaviour. Default: on-demand only. */
  spot?: SpotOptions;
  /** Consider on-demand capacity. Default true. */
  onDemand?: boolean;
  /** Seconds one checkpoint takes (spot options checkpoint at Young's optimum). Default 0. */
  checkpointCostS?: number;
  /** Only these providers. Default all. */
  providers?: string[];
  /** Only these regions. Default all. */
  regions?: string[];
  /** Only these accelerator models. Default all. */
  accelerators?: string[];
  /** Price catalog. Default {@link defaultCatalog}. */
  catalog?: Catalog;
  /** Return at most this many options. Default all. */
  limit?: number;
}

/** One feasible way to run the job. */
export interface CheapestOption extends RunTiming {
  /** The catalog entry (instance type and region). */
  entry: CatalogEntry;
  /** Whether this option runs on spot capacity. */
  spot: boolean;
  /** Price per instance-hour. */
  pricePerHour: Money;
  /** Expected cost. */
  cost: Money;
}

/** What {@link cheapest} returns: feasible options, cheapest first, and why others were dropped. */
export interface CheapestReport {
  /** Report kind, for the report renderers. */
  kind: 'cheapest';
  /** Currency of every amount. */
  currency: string;
  /** Deadline applied, hours (undefined: none). */
  deadlineHours?: number;
  /** Feasible options by expected cost, cheapest first (ties: shorter wall time first). */
  options: CheapestOption[];
  /** How many catalog entries matched the hardware filter. */
  considered: number;
  /** Entries (scenarios) dropped because their expected wall time misses the deadline. */
  missedDeadline: number;
  /** Entries dropped because their throughput cannot be known from the inputs. */
  unknownThroughput: number;
}

const schema = z.strictObject({
  ...workShape,
  throughput: z
    .union([
      z.number().finite().positive(),
      z.record(z.string(), z.number().finite().positive()),
      z.custom<(entry: CatalogEntry) => number | undefined>((value) => typeof value === 'function'),
    ])
    .optional(),
  gpuMemoryGiB: z.number().finite().nonnegative().optional(),
  gpus: z.number().finite().nonnegative().optional(),
  deadlineHours: z.number().positive().optional(),
  spot: spotSchema.optional(),
  onDemand: z.boolean().optional(),
  checkpointCostS: z.number().finite().nonnegative().optional(),
  providers: z.array(z.string()).optional(),
  regions: z.array(z.string()).optional(),
  accelerators: z.array(z.string()).optional(),
  catalog: catalogSchema.optional(),
  limit: z.number().int().positive().optional(),
});

/**
 * Ranks instance types and regions by expected cost for a training job, keeping those whose
 * expected wall time meets `deadlineHours`, on demand and (with `spot`) on spot capacity, like
 * SkyPilot's optimizer but pricing the whole run including preemptions. Accelerator-only catalog
 * rows (0 vCPUs, such as `A100:1` from SkyPilot's GCP catalog) are skipped: their price lacks the
 * host VM.
 * @throws ValidationError for bad options (e.g. no way to know the work).
 */
export function cheapest(options: CheapestOptions): CheapestReport {
  const parsed = parseOptions(schema, options, 'cheapest options');
  if ((parsed.flops === undefined) === (parsed.throughput === undefined)) {
    throw new ValidationError('Give the work as either throughput (with samples) or flops', [
      { path: ['throughput'], message: 'give throughput + samples, or flops' },
    ]);
  }
  if (parsed.throughput !== undefined && parsed.samples === undefined) {
    throw new ValidationError('throughput needs samples (per epoch)', [
      { path: ['samples'], message: 'required with throughput' },
    ]);
  }
  if (parsed.onDemand === false && parsed.spot === undefined) {
    throw new ValidationError(
      'With onDemand: false, pass spot: { interruptionRatePerHour } so some option remains',
    );
  }
  const catalog = options.catalog ?? defaultCatalog();
  const gpus = parsed.gpus ?? 1;
  const entries = catalog
    .list({
      minAccelerators: gpus,
      ...(parsed.gpuMemoryGiB === undefined || parsed.gpuMemoryGiB === 0
        ? {}
        : { minAcceleratorMemoryGiB: parsed.gpuMemoryGiB }),
      ...(parsed.providers === undefined ? {} : { providers: parsed.providers }),
      ...(parsed.regions === undefined ? {} : { regions: parsed.regions }),
      ...(parsed.accelerators === undefined ? {} : { accelerators: parsed.accelerators }),
      // Accelerator-only rows (SkyPilot's GCP GPU rows, 0 vCPUs) lack their host VM's price.
    })
    .filter((entry) => entry.vcpus > 0);
  const throughput = options.throughput;
  const workFor = (entry: CatalogEntry): number | undefined => {
    const epochs = parsed.epochs ?? 1;
    if (throughput === undefined)
      return computeSecondsFor({ ...parsed, throughput: undefined }, entry, 1);
    let rate: number | undefined;
    if (typeof throughput === 'function') rate = throughput(entry);
    else if (typeof throughput === 'number')
      rate = throughput * Math.max(entry.acceleratorCount, 1);
    else {
      const perAccelerator = throughput[entry.acceleratorName ?? ''];
      rate =
        perAccelerator === undefined
          ? undefined
          : perAccelerator * Math.max(entry.acceleratorCount, 1);
    }
    if (rate === undefined || !(rate > 0) || !Number.isFinite(rate)) return undefined;
    return (parsed.samples! * epochs) / rate;
  };
  const report: CheapestReport = {
    kind: 'cheapest',
    currency: catalog.metadata.currency,
    options: [],
    considered: entries.length,
    missedDeadline: 0,
    unknownThroughput: 0,
  };
  if (parsed.deadlineHours !== undefined) report.deadlineHours = parsed.deadlineHours;
  const deadlineS =
    parsed.deadlineHours === undefined ? Number.POSITIVE_INFINITY : parsed.deadlineHours * 3600;
  const checkpointCostS = parsed.checkpointCostS ?? 0;
  for (const entry of entries) {
    const work = workFor(entry);
    if (work === undefined) {
      report.unknownThroughput++;
      continue;
    }
    const consider = (price: Money | undefined, spot: boolean) => {
      if (price === undefined) return;
      const rate = spot ? (parsed.spot?.interruptionRatePerHour ?? 0) / 3600 : 0;
      const spotRate = (parsed.spot?.interruptionRatePerHour ?? 0) / 3600;
      const interval = chooseInterval(undefined, checkpointCostS, spotRate);
      const timing = expectedRunTiming(
        work,
        interval,
        checkpointCostS,
        rate,
        spot ? (parsed.spot?.restartOverheadS ?? DEFAULT_RESTART_OVERHEAD_S) : 0,
      );
      if (!(timing.wallSeconds <= deadlineS)) {
        report.missedDeadline++;
        return;
      }
      const micros = costOfSeconds(price.micros, timing.wallSeconds);
      if (!Number.isSafeInteger(micros)) {
        report.missedDeadline++;
        return;
      }
      report.options.push({
        ...timing,
        entry,
        spot,
        pricePerHour: price,
        cost: { micros, currency: price.currency },
      });
    };
    if (parsed.onDemand !== false) consider(entry.price, false);
    if (parsed.spot !== undefined) consider(entry.spotPrice, true);
  }
  report.options.sort((a, b) => a.cost.micros - b.cost.micros || a.wallSeconds - b.wallSeconds);
  if (parsed.limit !== undefined) report.options = report.options.slice(0, parsed.limit);
  return report;
}
