import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ValidationError, type ValidationIssue } from '@mlinfra/core/schema';
import { z } from 'zod';
import { assertCurrency, toMicros } from '../money/money.js';
import { type Catalog, type CatalogEntry, type CatalogMetadata, createCatalog } from './catalog.js';
import { parseCsv } from './internal/csv.js';

/** Options of {@link parseCatalog} and {@link loadCatalog}. */
export interface LoadCatalogOptions {
  /** `'csv'` or `'json'`; default: from the file extension, else sniffed from the text. */
  format?: 'csv' | 'json';
  /**
   * Provider of rows that have no `provider`/`Cloud` column (SkyPilot catalogs are one file per
   * cloud). Default `'custom'`.
   */
  provider?: string;
  /** Currency of rows without a `currency` column. Default `'USD'`. */
  currency?: string;
  /** Catalog name for messages and reports. Default: the file name, else `'user catalog'`. */
  name?: string;
  /** Date the prices were valid (`YYYY-MM-DD`). Default: today's date (UTC). */
  asOf?: string;
  /** Where the prices came from. Default `[]`. */
  sources?: string[];
  /** Caveats. Default `''`. */
  notes?: string;
}

const optionsSchema = z.strictObject({
  format: z.enum(['csv', 'json']).optional(),
  provider: z.string().min(1).optional(),
  currency: z.string().optional(),
  name: z.string().min(1).optional(),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date such as "2025-01-15"')
    .optional(),
  sources: z.array(z.string()).optional(),
  notes: z.string().optional(),
});

type Field =
  | 'provider'
  | 'instanceType'
  | 'region'
  | 'availabilityZone'
  | 'vcpus'
  | 'memoryGiB'
  | 'acceleratorName'
  | 'acceleratorCount'
  | 'acceleratorMemoryGiB'
  | 'gpuInfo'
  | 'price'
  | 'spotPrice'
  | 'currency';

// Column names after lower-casing and dropping everything but letters and digits.
const ALIASES: Record<string, Field> = {
  provider: 'provider',
  cloud: 'provider',
  instancetype: 'instanceType',
  instance: 'instanceType',
  machinetype: 'instanceType',
  region: 'region',
  availabilityzone: 'availabilityZone',
  zone: 'availabilityZone',
  vcpus: 'vcpus',
  vcpu: 'vcpus',
  memorygib: 'memoryGiB',
  memory: 'memoryGiB',
  acceleratorname: 'acceleratorName',
  gpu: 'acceleratorName',
  acceleratorcount: 'acceleratorCount',
  gpucount: 'acceleratorCount',
  acceleratormemorygib: 'acceleratorMemoryGiB',
  gpumemorygib: 'acceleratorMemoryGiB',
  gpuinfo: 'gpuInfo',
  price: 'price',
  ondemandprice: 'price',
  spotprice: 'spotPrice',
  currency: 'currency',
};

const normalize = (column: string) => column.toLowerCase().replace(/[^a-z0-9]/g, '');

const blankToUndefined = (value: unknown) =>
  value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value;
const numberText = (value: unknown) => {
  const blank = blankToUndefined(value);
  if (typeof blank !== 'string') return blank;
  const parsed = Number(blank.trim());
  return Number.isNaN(parsed) ? blank : parsed;
};
const count = z.preprocess(
  numberText,
  z.number({ error: 'must be a number' }).finite().nonnegative().optional(),
);
const requiredText = z.preprocess(
  blankToUndefined,
  z.string({ error: 'must be a non-empty text' }).transform((text) => text.trim()),
);
const optionalText = z.preprocess(
  blankToUndefined,
  z
    .string()
    .transform((text) => text.trim())
    .optional(),
);
const price = z.preprocess(
  blankToUndefined,
  z
    .union([
      z.number().finite(),
      z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'must be a non-negative decimal number'),
    ])
    .refine((value) => typeof value === 'string' || value >= 0, 'must not be negative')
    .optional(),
);

const rowSchema = z.object({
  provider: optionalText,
  instanceType: optionalText,
  region: requiredText,
  availabilityZone: optionalText,
  vcpus: count,
  memoryGiB: count,
  acceleratorName: optionalText,
  acceleratorCount: z.preprocess(
    numberText,
    z.number({ error: 'must be a number' }).finite().nonnegative().optional(),
  ),
  acceleratorMemoryGiB: z.preprocess(
    numberText,
    z.number({ error: 'must be a number' }).finite().positive().optional(),
  ),
  gpuInfo: z.preprocess(blankToUndefined, z.unknown().optional()),
  price,
  spotPrice: price,
  currency: optionalText,
});

/**
 * Parses a user price catalog from CSV or JSON text. Columns are matched ignoring case and
 * punctuation, so SkyPilot's catalog columns (`InstanceType, AcceleratorName, AcceleratorCount,
 * vCPUs, MemoryGiB, GpuInfo, Price, SpotPrice, Region, AvailabilityZone`) and this package's own
 * names (`provider, instanceType, region, availabilityZone, vcpus, memoryGiB, acceleratorName,
 * acceleratorCount, acceleratorMemoryGiB, price, spotPrice, currency`) both work; other columns are
 * ignored. Prices are per instance-hour in whole currency units. Rows without an instance type but
 * with an accelerator (SkyPilot's GCP GPU and TPU rows) load as `<accelerator>:<count>`, e.g.
 * `A100:1`, with 0 vCPUs and memory: the host VM is priced in its own row. JSON is an array of row objects, or
 * `{ metadata?, entries: [...] }`. Rows are numbered from 1 (the first row after a CSV header).
 * @throws ValidationError listing every bad row and column (`row 3, column "Price": ...`).
 */
export function parseCatalog(text: string, options: LoadCatalogOptions = {}): Catalog {
  return parseCatalogText(text, options, 'user catalog');
}

function parseCatalogText(text: string, options: LoadCatalogOptions, defaultName: string): Catalog {
  const parsedOptions = optionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    throw new ValidationError(
      'Invalid catalog options',
      parsedOptions.error.issues.map((issue) => ({
        path: issue.path.map(String),
        message: issue.message,
      })),
    );
  }
  const format = options.format ?? (/^\s*[[{]/.test(text) ? 'json' : 'csv');
  let rows: Record<string, unknown>[];
  let lines: number[] | undefined;
  let metadataFromFile: Partial<CatalogMetadata> = {};
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ValidationError(
        `The catalog is not valid JSON (${(error as Error).message}); fix the file or pass format: 'csv'`,
        [],
        { cause: error },
      );
    }
    const list = Array.isArray(value)
      ? value
      : typeof value === 'object' && value !== null
        ? ((value as { entries?: unknown; rows?: unknown }).entries ??
          (value as { rows?: unknown }).rows)
        : undefined;
    if (!Array.isArray(list)) {
      throw new ValidationError(
        'A JSON catalog must be an array of rows or { metadata?, entries: [...] }',
      );
    }
    if (!Array.isArray(value))
      metadataFromFile = readMetadata((value as { metadata?: unknown }).metadata);
    rows = list.map((row, index) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new ValidationError(`Catalog row ${index + 1} must be an object of column: value`, [
          { path: [index + 1], message: 'must be an object' },
        ]);
      }
      return row as Record<string, unknown>;
    });
  } else {
    const records = parseCsv(text);
    const header = records.shift();
    if (header === undefined)
      throw new ValidationError('The catalog CSV is empty; it needs a header row and data rows');
    lines = records.map((record) => record.line);
    // fromEntries defines every column as an own property, `__proto__` included.
    rows = records.map((record) =>
      Object.fromEntries(
        header.fields.map((column, index) => [column, record.fields[index] ?? '']),
      ),
    );
  }
  const currency = assertCurrency(
    options.currency ?? metadataFromFile.currency ?? 'USD',
    'options.currency',
  );
  const issues: ValidationIssue[] = [];
  const entries: CatalogEntry[] = [];
  rows.forEach((row, index) => {
    const rowNumber = index + 1;
    const where =
      lines === undefined ? `row ${rowNumber}` : `row ${rowNumber} (line ${lines[index]})`;
    const fields: Record<string, unknown> = {};
    const columnOf: Partial<Record<Field, string>> = {};
    for (const [column, value] of Object.entries(row)) {
      const field = ALIASES[normalize(column)];
      if (field === undefined || columnOf[field] !== undefined) continue;
      columnOf[field] = column;
      fields[field] = value;
    }
    const parsed = rowSchema.safeParse(fields);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0]) as Field;
        const column = columnOf[field] ?? field;
        const got = fields[field];
        const shown = got === undefined ? 'nothing' : JSON.stringify(got);
        issues.push({
          path: [rowNumber, column],
          message: `${where}, column "${column}": ${issue.message}, got ${shown}`,
        });
      }
      return;
    }
    const data = parsed.data;
    // SkyPilot's GCP catalog prices attachable GPUs and TPUs in rows without an instance type (or
    // vCPUs and memory); name them in SkyPilot's accelerator notation, e.g. "A100:1".
    const acceleratorOnly = data.instanceType === undefined && data.acceleratorName !== undefined;
    const missing = (['instanceType', 'vcpus', 'memoryGiB'] as const).filter(
      (field) => data[field] === undefined && !acceleratorOnly,
    );
    if (missing.length > 0) {
      for (const field of missing) {
        const column = columnOf[field] ?? field;
        issues.push({
          path: [rowNumber, column],
          message: `${where}, column "${column}": ${field === 'instanceType' ? 'must be a non-empty text (or give an accelerator name for an accelerator-only row)' : 'must be a number'}, got ${fields[field] === undefined ? 'nothing' : JSON.stringify(fields[field])}`,
        });
      }
      return;
    }
    const rowCurrency = data.currency ?? currency;
    if (rowCurrency !== currency) {
      issues.push({
        path: [rowNumber, columnOf.currency ?? 'currency'],
        message: `${where}, column "${columnOf.currency}": ${rowCurrency} differs from the catalog currency ${currency}; pass options.currency or convert the row`,
      });
      return;
    }
    if (data.price === undefined && data.spotPrice === undefined) {
      issues.push({
        path: [rowNumber, columnOf.price ?? 'price'],
        message: `${where}, column "${columnOf.price ?? 'price'}": needs an on-demand price or a spot price per instance-hour`,
      });
      return;
    }
    const acceleratorName = data.acceleratorName;
    const acceleratorCount = data.acceleratorCount ?? (acceleratorName === undefined ? 0 : 1);
    const entry: CatalogEntry = {
      provider: data.provider ?? options.provider ?? 'custom',
      instanceType: data.instanceType ?? `${acceleratorName}:${acceleratorCount}`,
      region: data.region,
      vcpus: data.vcpus ?? 0,
      memoryGiB: data.memoryGiB ?? 0,
      acceleratorCount,
    };
    if (data.availabilityZone !== undefined) entry.availabilityZone = data.availabilityZone;
    if (acceleratorName !== undefined && acceleratorCount > 0)
      entry.acceleratorName = acceleratorName;
    const memory = data.acceleratorMemoryGiB ?? gpuMemoryFromInfo(data.gpuInfo);
    if (memory !== undefined && entry.acceleratorName !== undefined)
      entry.acceleratorMemoryGiB = memory;
    if (data.price !== undefined) entry.price = { micros: toMicros(data.price, 'price'), currency };
    if (data.spotPrice !== undefined)
      entry.spotPrice = { micros: toMicros(data.spotPrice, 'spot price'), currency };
    entries.push(entry);
  });
  if (issues.length > 0) {
    throw new ValidationError(
      `Catalog "${options.name ?? metadataFromFile.name ?? defaultName}" has ${issues.length} invalid value(s); fix these rows and columns`,
      issues,
    );
  }
  return createCatalog(entries, {
    name: options.name ?? metadataFromFile.name ?? defaultName,
    asOf: options.asOf ?? metadataFromFile.asOf ?? new Date().toISOString().slice(0, 10),
    currency,
    sources: options.sources ?? metadataFromFile.sources ?? [],
    notes: options.notes ?? metadataFromFile.notes ?? '',
  });
}

/**
 * Reads a catalog file (CSV or JSON, by extension) with {@link parseCatalog}.
 * @throws NotFoundError-like `ValidationError` when the file cannot be read, naming the path.
 */
export async function loadCatalog(
  path: string,
  options: LoadCatalogOptions = {},
): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(
      `Cannot read catalog file ${path}: ${(error as Error).message}; check the path`,
      [],
      {
        cause: error,
      },
    );
  }
  const extension = extname(path).toLowerCase();
  const format =
    options.format ?? (extension === '.json' ? 'json' : extension === '.csv' ? 'csv' : undefined);
  return parseCatalogText(text, { ...options, ...(format === undefined ? {} : { format }) }, path);
}

// SkyPilot's GpuInfo is a Python dict repr such as
// "{'Gpus': [{'Name': 'V100', 'Count': 1, 'MemoryInfo': {'SizeInMiB': 16384}}], 'TotalGpuMemoryInMiB': 16384}".
function gpuMemoryFromInfo(info: unknown): number | undefined {
  if (typeof info !== 'string') return undefined;
  const match = /['"]SizeInMiB['"]\s*:\s*(\d+(?:\.\d+)?)/.exec(info);
  return match === null ? undefined : Number(match[1]) / 1024;
}

function readMetadata(value: unknown): Partial<CatalogMetadata> {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const result: Partial<CatalogMetadata> = {};
  if (typeof record.name === 'string') result.name = record.name;
  if (typeof record.asOf === 'string') result.asOf = record.asOf;
  if (typeof record.currency === 'string') result.currency = record.currency;
  if (Array.isArray(record.sources))
    result.sources = record.sources.filter((s): s is string => typeof s === 'string');
  if (typeof record.notes === 'string') result.notes = record.notes;
  return result;
}
