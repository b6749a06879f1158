import { ValidationError } from '@mlinfra/core/schema';
import { z } from 'zod';
import type { Catalog, CatalogEntry } from '../../catalog/catalog.js';
import { defaultCatalog } from '../../catalog/default-catalog.js';
import type { Money } from '../../money/money-type.js';

export const moneySchema = z.strictObject({
  micros: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer of micro-units'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"'),
});

const entrySchema = z.object({
  provider: z.string(),
  instanceType: z.string(),
  region: z.string(),
  vcpus: z.number(),
  memoryGiB: z.number(),
  acceleratorCount: z.number(),
});

export const instanceSchema = z.union([
  z.string().min(1, 'must name an instance type such as "p3.2xlarge"'),
  entrySchema.loose(),
]);

export const catalogSchema = z.custom<Catalog>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Catalog).find === 'function' &&
    typeof (value as Catalog).metadata === 'object',
  'must be a Catalog from createCatalog(), parseCatalog() or loadCatalog()',
);

/** The instance, its region and the hourly prices an estimate uses. */
export interface ResolvedInstance {
  entry: CatalogEntry;
  price: Money | undefined;
  spotPrice: Money | undefined;
  currency: string;
}

/** Looks the instance up (a name in the catalog, or a given entry) and applies price overrides. */
export function resolveInstance(options: {
  instance: string | CatalogEntry;
  region?: string | undefined;
  catalog?: Catalog | undefined;
  spot?: boolean;
  pricePerHour?: Money | undefined;
  spotPricePerHour?: Money | undefined;
}): ResolvedInstance {
  let entry: CatalogEntry;
  if (typeof options.instance === 'string') {
    const catalog = options.catalog ?? defaultCatalog();
    const needsCatalogPrice =
      options.spot === true
        ? options.spotPricePerHour === undefined
        : options.pricePerHour === undefined;
    entry = needsCatalogPrice
      ? catalog.find(options.instance, {
          spot: options.spot === true,
          ...(options.region === undefined ? {} : { region: options.region }),
        })
      : catalog.find(
          options.instance,
          options.region === undefined ? {} : { region: options.region },
        );
  } else {
    entry = options.instance;
  }
  const price = options.pricePerHour ?? entry.price;
  const spotPrice = options.spotPricePerHour ?? entry.spotPrice;
  const currency = price?.currency ?? spotPrice?.currency;
  if (currency === undefined) {
    throw new ValidationError(`Instance ${entry.instanceType} has no price; pass pricePerHour`);
  }
  if (price !== undefined && spotPrice !== undefined && price.currency !== spotPrice.currency) {
    throw new ValidationError(
      `pricePerHour is in ${price.currency} but spotPricePerHour is in ${spotPrice.currency}; give both in one currency`,
    );
  }
  return { entry, price, spotPrice, currency };
}
