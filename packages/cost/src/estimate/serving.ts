import { parseOptions } from '@mlinfra/core';
import { ValidationError } from '@mlinfra/core/schema';
import { z } from 'zod';
import type { Catalog, CatalogEntry } from '../catalog/catalog.js';
import type { Money } from '../money/money-type.js';
import {
  catalogSchema,
  instanceSchema,
  moneySchema,
  resolveInstance,
} from './internal/instance.js';

/** Options of {@link estimateServing}. */
export interface ServingEstimateOptions {
  /** Predictions per second one replica sustains within its latency target. */
  throughputPerReplica: number;
  /** Peak predictions per second to serve. */
  targetQps: number;
  /** Instance type name from the catalog, or a catalog entry. */
  instance: string | CatalogEntry;
  /** Region; default the cheapest region listing the instance. */
  region?: string;
  /** Price on spot capacity instead of on demand. Default false. */
  spot?: boolean;
  /** Replicas that fit on one instance (e.g. one per GPU). Default 1. */
  replicasPerInstance?: number;
  /**
   * Fraction of a replica's throughput to plan for, leaving headroom for bursts (an autoscaler's
   * target utilization, typically 0.6-0.8). Default 1 (no headroom).
   */
  targetUtilization?: number;
  /** Fewest replicas to run, e.g. 2 for availability. Default 1. */
  minReplicas?: number;
  /** Price catalog. Default {@link defaultCatalog}. */
  catalog?: Catalog;
  /** Price per instance-hour, overriding the catalog (on-demand or spot, per `spot`). */
  pricePerHour?: Money;
}

/** What {@link estimateServing} returns. */
export interface ServingEstimate {
  /** Report kind, for the report renderers. */
  kind: 'serving-estimate';
  /** Currency of every amount. */
  currency: string;
  /** Provider of the instance. */
  provider: string;
  /** Instance type. */
  instance: string;
  /** Region priced. */
  region: string;
  /** Whether spot prices were used. */
  spot: boolean;
  /** Replicas needed: `max(minReplicas, ceil(targetQps / (throughputPerReplica x targetUtilization)))`. */
  replicas: number;
  /** Instances needed: `ceil(replicas / replicasPerInstance)`. */
  instances: number;
  /** Utilization of the replicas at `targetQps` (0..1). */
  utilization: number;
  /** Price per instance-hour used. */
  pricePerHour: Money;
  /** Cost of all instances per hour. */
  costPerHour: Money;
  /** Cost per 730-hour month (the providers' billing month). */
  costPerMonth: Money;
  /** Cost per 1,000 predictions at `targetQps`, rounded to a micro-unit. */
  costPer1000Predictions: Money;
  /** Cost per 1,000,000 predictions at `targetQps`. */
  costPerMillionPredictions: Money;
}

const schema = z.strictObject({
  throughputPerReplica: z.number().finite().positive(),
  targetQps: z.number().finite().positive(),
  instance: instanceSchema,
  region: z.string().min(1).optional(),
  spot: z.boolean().optional(),
  replicasPerInstance: z.number().int().positive().optional(),
  targetUtilization: z.number().gt(0).max(1).optional(),
  minReplicas: z.number().int().nonnegative().optional(),
  catalog: catalogSchema.optional(),
  pricePerHour: moneySchema.optional(),
});

/** Hours in the providers' billing month. */
export const HOURS_PER_MONTH = 730;

/**
 * Replicas, hourly cost and cost per 1,000 predictions of serving `targetQps` on an instance type.
 * @throws ValidationError for bad options; NotFoundError when the instance is not in the catalog.
 */
export function estimateServing(options: ServingEstimateOptions): ServingEstimate {
  const parsed = parseOptions(schema, options, 'estimateServing options');
  const spot = parsed.spot ?? false;
  const resolved = resolveInstance({
    instance: options.instance,
    region: parsed.region,
    catalog: options.catalog,
    spot,
    ...(spot ? { spotPricePerHour: parsed.pricePerHour } : { pricePerHour: parsed.pricePerHour }),
  });
  const price = spot ? resolved.spotPrice : resolved.price;
  if (price === undefined) {
    throw new ValidationError(
      `${resolved.entry.instanceType} has no ${spot ? 'spot' : 'on-demand'} price; pass pricePerHour`,
    );
  }
  const effective = parsed.throughputPerReplica * (parsed.targetUtilization ?? 1);
  // A tiny epsilon keeps 100 / 10 from becoming 11 replicas through floating-point noise.
  const replicas = Math.max(
    parsed.minReplicas ?? 1,
    Math.ceil(parsed.targetQps / effective - 1e-9),
  );
  const instances = Math.ceil(replicas / (parsed.replicasPerInstance ?? 1));
  const hourlyMicros = price.micros * instances;
  const predictionsPerHour = parsed.targetQps * 3600;
  const currency = price.currency;
  const money = (micros: number): Money => ({ micros: Math.round(micros) + 0, currency });
  return {
    kind: 'serving-estimate',
    currency,
    provider: resolved.entry.provider,
    instance: resolved.entry.instanceType,
    region: resolved.entry.region,
    spot,
    replicas,
    instances,
    utilization: replicas === 0 ? 0 : parsed.targetQps / (replicas * parsed.throughputPerReplica),
    pricePerHour: price,
    costPerHour: money(hourlyMicros),
    costPerMonth: money(hourlyMicros * HOURS_PER_MONTH),
    costPer1000Predictions: money((hourlyMicros * 1000) / predictionsPerHour),
    costPerMillionPredictions: money((hourlyMicros * 1_000_000) / predictionsPerHour),
  };
}
