import { NotFoundError, ValidationError } from '@mlinfra/core/schema';
import { assertCurrency } from '../money/money.js';
import type { Money } from '../money/money-type.js';
import { findAccelerator } from './accelerators.js';

/** One priced instance type in one region (or zone). Prices are per instance-hour. */
export interface CatalogEntry {
  /** Cloud provider: `'aws'`, `'gcp'`, `'azure'`, or any name a user catalog gives. */
  provider: string;
  /** The provider's instance type name, e.g. `'p4d.24xlarge'`, `'a2-highgpu-1g'`, `'Standard_NC6s_v3'`. */
  instanceType: string;
  /** Region, e.g. `'us-east-1'`. */
  region: string;
  /** Availability zone when the catalog prices zones separately (SkyPilot catalogs do). */
  availabilityZone?: string;
  /** Virtual CPUs. */
  vcpus: number;
  /** Instance memory in GiB. */
  memoryGiB: number;
  /** Accelerator model (`'A100'`, `'H100'`, `'T4'`), absent for CPU-only instances. */
  acceleratorName?: string;
  /** Accelerators per instance; 0 for CPU-only instances (fractions allowed for shared GPUs). */
  acceleratorCount: number;
  /** Memory of one accelerator in GiB, when known. */
  acceleratorMemoryGiB?: number;
  /** On-demand (list) price per instance-hour; absent when the type is only sold as spot. */
  price?: Money;
  /** Typical spot/preemptible price per instance-hour; absent when unknown. */
  spotPrice?: Money;
}

/** Where a catalog's prices come from and how far to trust them. */
export interface CatalogMetadata {
  /** Short name shown in error messages and reports. */
  name: string;
  /** Date (ISO `YYYY-MM-DD`) the prices were valid. */
  asOf: string;
  /** Currency of every price in the catalog. */
  currency: string;
  /** Where the prices were taken from. */
  sources: string[];
  /** Caveats: how approximate the prices are. */
  notes: string;
}

/** Filter for {@link Catalog.list}. Every given field must match. */
export interface CatalogFilter {
  /** Keep only these providers. */
  providers?: readonly string[];
  /** Keep only these regions. */
  regions?: readonly string[];
  /** Keep only these accelerator models (case-insensitive). */
  accelerators?: readonly string[];
  /** Minimum accelerators per instance. */
  minAccelerators?: number;
  /** Minimum memory of one accelerator, GiB. */
  minAcceleratorMemoryGiB?: number;
  /** Minimum vCPUs. */
  minVcpus?: number;
  /** Minimum instance memory, GiB. */
  minMemoryGiB?: number;
  /** Keep only entries that have a spot price. */
  spot?: boolean;
}

/** Options of {@link Catalog.find}. */
export interface FindOptions {
  /** Region; default: the cheapest region that lists the type. */
  region?: string;
  /** Provider, when two providers use the same name. */
  provider?: string;
  /** Pick by spot price instead of on-demand price. Default false. */
  spot?: boolean;
}

/** A validated, queryable price catalog. Build one with {@link createCatalog} or `loadCatalog`. */
export interface Catalog {
  /** Provenance of the prices. */
  readonly metadata: CatalogMetadata;
  /** Every entry, in catalog order. */
  readonly entries: readonly CatalogEntry[];
  /**
   * The entry for an instance type: in `options.region` if given, else the cheapest region (by the
   * spot price when `options.spot`, else on-demand).
   * @throws NotFoundError naming close matches when the type (or the needed price) is not listed.
   */
  find(instanceType: string, options?: FindOptions): CatalogEntry;
  /** Entries matching a filter. */
  list(filter?: CatalogFilter): CatalogEntry[];
}

/** Memory of one accelerator of an entry: the catalog's figure, else the datasheet's. */
export function acceleratorMemoryOf(entry: CatalogEntry): number | undefined {
  return entry.acceleratorMemoryGiB ?? findAccelerator(entry.acceleratorName)?.memoryGiB;
}

/**
 * Builds a catalog from already-typed entries (validated: every price in `metadata.currency`).
 * @throws ValidationError naming the entry index when an entry is inconsistent.
 */
export function createCatalog(
  entries: readonly CatalogEntry[],
  metadata: CatalogMetadata,
): Catalog {
  assertCurrency(metadata.currency, 'catalog currency');
  const issues: { path: (string | number)[]; message: string }[] = [];
  entries.forEach((entry, index) => {
    for (const key of ['price', 'spotPrice'] as const) {
      const value = entry[key];
      if (value !== undefined && value.currency !== metadata.currency) {
        issues.push({
          path: [index, key],
          message: `is in ${value.currency} but the catalog is in ${metadata.currency}; give all prices of one catalog in one currency`,
        });
      }
    }
    if (entry.price === undefined && entry.spotPrice === undefined) {
      issues.push({
        path: [index],
        message: `${entry.instanceType} has neither a price nor a spot price`,
      });
    }
  });
  if (issues.length > 0)
    throw new ValidationError(`Catalog "${metadata.name}" has invalid entries`, issues);
  return new DefaultCatalog(Object.freeze([...entries]), metadata);
}

/**
 * Combines catalogs; an entry of a later catalog replaces an earlier one with the same provider,
 * instance type, region and zone (so a user catalog can override some shipped prices).
 * @throws ValidationError when currencies differ.
 */
export function mergeCatalogs(first: Catalog, ...rest: Catalog[]): Catalog {
  const byKey = new Map<string, CatalogEntry>();
  const key = (entry: CatalogEntry) =>
    [entry.provider, entry.instanceType, entry.region, entry.availabilityZone ?? ''].join('\u0000');
  for (const catalog of [first, ...rest]) {
    if (catalog.metadata.currency !== first.metadata.currency) {
      throw new ValidationError(
        `Cannot merge catalog "${catalog.metadata.name}" in ${catalog.metadata.currency} into ${first.metadata.currency}; convert its prices first`,
      );
    }
    for (const entry of catalog.entries) byKey.set(key(entry), entry);
  }
  const all = [first, ...rest];
  return createCatalog([...byKey.values()], {
    name: all.map((catalog) => catalog.metadata.name).join(' + '),
    asOf: all.map((catalog) => catalog.metadata.asOf).sort()[0] ?? first.metadata.asOf,
    currency: first.metadata.currency,
    sources: [...new Set(all.flatMap((catalog) => catalog.metadata.sources))],
    notes: all
      .map((catalog) => catalog.metadata.notes)
      .filter(Boolean)
      .join(' '),
  });
}

class DefaultCatalog implements Catalog {
  private readonly byType = new Map<string, CatalogEntry[]>();

  constructor(
    readonly entries: readonly CatalogEntry[],
    readonly metadata: CatalogMetadata,
  ) {
    for (const entry of entries) {
      const key = entry.instanceType.toLowerCase();
      const list = this.byType.get(key);
      if (list === undefined) this.byType.set(key, [entry]);
      else list.push(entry);
    }
  }

  find(instanceType: string, options: FindOptions = {}): CatalogEntry {
    if (typeof instanceType !== 'string' || instanceType.length === 0) {
      throw new ValidationError('instance must be an instance type name such as "p3.2xlarge"');
    }
    const candidates = (this.byType.get(instanceType.toLowerCase()) ?? []).filter(
      (entry) =>
        (options.provider === undefined || entry.provider === options.provider) &&
        (options.region === undefined || entry.region === options.region),
    );
    const priceKey = options.spot === true ? 'spotPrice' : 'price';
    const priced = candidates.filter((entry) => entry[priceKey] !== undefined);
    if (priced.length === 0) {
      const where = options.region === undefined ? '' : ` in region ${options.region}`;
      const name = `catalog "${this.metadata.name}" (prices as of ${this.metadata.asOf})`;
      if (candidates.length > 0) {
        throw new NotFoundError(
          `Instance type "${instanceType}"${where} has no ${options.spot === true ? 'spot' : 'on-demand'} price in ${name}; pass pricePerHour or load a catalog that prices it`,
        );
      }
      const regions = [
        ...new Set((this.byType.get(instanceType.toLowerCase()) ?? []).map((e) => e.region)),
      ];
      const hint =
        regions.length > 0 ? `; it is listed in ${regions.join(', ')}` : this.suggest(instanceType);
      throw new NotFoundError(
        `Instance type "${instanceType}"${where} is not in ${name}${hint}; check the spelling or load your own catalog with loadCatalog()`,
      );
    }
    return priced.reduce((best, entry) =>
      entry[priceKey]!.micros < best[priceKey]!.micros ? entry : best,
    );
  }

  list(filter: CatalogFilter = {}): CatalogEntry[] {
    const accelerators = filter.accelerators?.map((name) => name.toUpperCase());
    return this.entries.filter((entry) => {
      if (filter.providers !== undefined && !filter.providers.includes(entry.provider))
        return false;
      if (filter.regions !== undefined && !filter.regions.includes(entry.region)) return false;
      if (
        accelerators !== undefined &&
        !accelerators.includes((entry.acceleratorName ?? '').toUpperCase())
      ) {
        return false;
      }
      if (filter.minAccelerators !== undefined && entry.acceleratorCount < filter.minAccelerators)
        return false;
      if (filter.minAcceleratorMemoryGiB !== undefined) {
        const memory = acceleratorMemoryOf(entry);
        if (memory === undefined || memory < filter.minAcceleratorMemoryGiB) return false;
      }
      if (filter.minVcpus !== undefined && entry.vcpus < filter.minVcpus) return false;
      if (filter.minMemoryGiB !== undefined && entry.memoryGiB < filter.minMemoryGiB) return false;
      if (filter.spot === true && entry.spotPrice === undefined) return false;
      return true;
    });
  }

  private suggest(instanceType: string): string {
    const wanted = instanceType.toLowerCase();
    const prefix = wanted.slice(0, Math.max(2, Math.min(4, wanted.length)));
    const close = [...this.byType.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .slice(0, 5)
      .map(([, entries]) => entries[0]!.instanceType);
    return close.length > 0 ? `; similar types: ${close.join(', ')}` : '';
  }
}
