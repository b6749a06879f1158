import { parseOptions, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.js';
import { defaultCatalog } from '../catalog/default-catalog.js';
import { catalogSchema, moneySchema } from '../estimate/internal/instance.js';
import type { Money } from '../money/money-type.js';
import type { Budget } from './budget.js';
import type { BudgetDecision, BudgetGuard } from './budget-decision.js';

/** Options of {@link budgetGuard}. */
export interface BudgetGuardOptions {
  /** Instance type the work runs on, used when a charge names none. */
  instance?: string;
  /** Region for the catalog price. Default: the cheapest region listing the instance. */
  region?: string;
  /** Price at the spot price. Default false. */
  spot?: boolean;
  /**
   * Price of one device-hour, instead of the catalog. Default: the instance's hourly price divided
   * by its devices (see `devicesPerInstance`).
   */
  pricePerDeviceHour?: Money;
  /**
   * Devices sharing the instance price. Default: the instance's accelerator count for GPU charges,
   * and 1 when `info.device` is `'cpu'` or the instance has no accelerators (CPU training pays for
   * the whole instance).
   */
  devicesPerInstance?: number;
  /** Resource name in the budget's breakdown. Default `'training'`. */
  resource?: string;
  /** Labels of the charges (checked against the budget's scope). Default none. */
  labels?: Readonly<Record<string, string>>;
  /** Catalog for instance prices. Default {@link defaultCatalog}. */
  catalog?: Catalog;
}

const schema = z.strictObject({
  instance: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  spot: z.boolean().optional(),
  pricePerDeviceHour: moneySchema.optional(),
  devicesPerInstance: z.number().int().positive().optional(),
  resource: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  catalog: catalogSchema.optional(),
});

/**
 * The {@link BudgetGuard} `@mlinfra/trainer` accepts: each `charge(deviceSeconds)` prices the
 * device-seconds and charges the budget; `stop: true` once the budget is exhausted, so the trainer
 * checkpoints and stops. Since the budget lives in the store, a resumed run stops at once when the
 * budget is already spent.
 * @throws ValidationError (from `charge`) when neither the options nor the charge name an instance
 * and no `pricePerDeviceHour` is given.
 */
export function budgetGuard(budget: Budget, options: BudgetGuardOptions = {}): BudgetGuard {
  const parsed = parseOptions(schema, options, 'budgetGuard options');
  const catalog = options.catalog ?? defaultCatalog();
  const spot = parsed.spot ?? false;
  return {
    async charge(
      deviceSeconds: number,
      info: { device?: string; instance?: string } = {},
    ): Promise<BudgetDecision> {
      if (!Number.isFinite(deviceSeconds) || deviceSeconds < 0) {
        throw new ValidationError(
          `deviceSeconds must be a finite number >= 0, got ${deviceSeconds}`,
        );
      }
      let pricePerHour = parsed.pricePerDeviceHour;
      let devices = 1;
      if (pricePerHour === undefined) {
        const instance = info.instance ?? parsed.instance;
        if (instance === undefined) {
          throw new ValidationError(
            'budgetGuard cannot price device-seconds: pass { instance } or { pricePerDeviceHour } to budgetGuard()',
          );
        }
        const entry = catalog.find(instance, {
          spot,
          ...(parsed.region === undefined ? {} : { region: parsed.region }),
        });
        pricePerHour = spot ? entry.spotPrice! : entry.price!;
        const cpu = info.device?.toLowerCase() === 'cpu' || entry.acceleratorCount === 0;
        devices =
          parsed.devicesPerInstance ?? (cpu ? 1 : Math.max(1, Math.round(entry.acceleratorCount)));
      }
      const result = await budget.charge({
        resource: parsed.resource ?? 'training',
        seconds: deviceSeconds,
        pricePerHour,
        sharedBy: devices,
        ...(parsed.labels === undefined ? {} : { labels: parsed.labels }),
      });
      const decision: BudgetDecision = {
        stop: result.stop,
        spent: result.spent,
        remaining: result.remaining,
      };
      if (result.reason !== undefined) decision.reason = result.reason;
      return decision;
    },
  };
}
