import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '@mlinfra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog } from './load-catalog.js';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

describe('loadCatalog', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-cost-catalog-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads a SkyPilot catalog CSV with its column names and GpuInfo', async () => {
    const catalog = await loadCatalog(fixture('skypilot-aws-vms.csv'), {
      provider: 'aws',
      asOf: '2026-11-01',
    });
    expect(catalog.entries).toHaveLength(5);
    const zones = catalog.list().filter((entry) => entry.instanceType === 'p3.2xlarge');
    expect(zones.map((entry) => entry.availabilityZone)).toEqual(['use1-az1', 'use1-az2']);
    expect(catalog.find('p3.2xlarge', { spot: true }).spotPrice).toEqual({
      micros: 918_000,
      currency: 'USD',
    });
    const p4d = catalog.find('p4d.24xlarge');
    expect(p4d).toMatchObject({
      provider: 'aws',
      acceleratorName: 'A100',
      acceleratorCount: 8,
      acceleratorMemoryGiB: 40,
      vcpus: 96,
    });
    expect(p4d.spotPrice).toBeUndefined();
    expect(catalog.find('m6i.large')).toMatchObject({ acceleratorCount: 0, memoryGiB: 8 });
    expect(catalog.find('m6i.large').acceleratorName).toBeUndefined();
    expect(catalog.metadata).toMatchObject({ asOf: '2026-11-01', currency: 'USD' });
    expect(() => catalog.find('p4d.24xlarge', { spot: true })).toThrow(/no spot price/);
  });

  it("reads SkyPilot's GCP catalog, whose GPU and TPU rows have no instance type", async () => {
    const catalog = await loadCatalog(fixture('skypilot-gcp-vms.csv'), { provider: 'gcp' });
    expect(catalog.find('a2-highgpu-1g')).toMatchObject({
      vcpus: 12,
      acceleratorCount: 0,
      price: { micros: 739_480 },
    });
    expect(catalog.find('A100:1')).toMatchObject({
      vcpus: 0,
      memoryGiB: 0,
      acceleratorName: 'A100',
      acceleratorCount: 1,
    });
    expect(catalog.find('T4:2').spotPrice?.micros).toBe(280_000);
    expect(catalog.find('tpu-v6e-16:1').price?.micros).toBe(43_200_000);
    expect(catalog.list({ accelerators: ['A100'] })).toHaveLength(1);
  });

  it('reads a JSON catalog with metadata and its own column names', async () => {
    const catalog = await loadCatalog(fixture('user-catalog.json'));
    expect(catalog.metadata).toMatchObject({
      name: 'acme negotiated prices',
      asOf: '2026-10-01',
      currency: 'EUR',
    });
    expect(catalog.find('dgx-a100').price).toEqual({ micros: 18_500_000, currency: 'EUR' });
    expect(catalog.find('cpu-node').spotPrice).toEqual({ micros: 300_000, currency: 'EUR' });
  });

  it('reads SkyPilot columns from a JSON array written to a real file', async () => {
    const path = join(folder, 'sky.json');
    await writeFile(
      path,
      JSON.stringify([
        {
          InstanceType: 'g6.xlarge',
          AcceleratorName: 'L4',
          AcceleratorCount: 1,
          vCPUs: 4,
          MemoryGiB: 16,
          Price: 0.8048,
          SpotPrice: null,
          Region: 'us-east-1',
        },
      ]),
    );
    const catalog = await loadCatalog(path, { provider: 'aws' });
    expect(catalog.find('g6.xlarge')).toMatchObject({
      acceleratorName: 'L4',
      price: { micros: 804_800 },
    });
  });

  it('names the row and column of every bad value', async () => {
    const error = await loadCatalog(fixture('bad-rows.csv')).catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    const issues = (error as ValidationError).issues;
    expect(issues.map((issue) => issue.path)).toEqual([
      [2, 'Price'],
      [3, 'vCPUs'],
      [4, 'InstanceType'],
    ]);
    expect((error as Error).message).toContain(
      'row 2 (line 3), column "Price": must be a non-negative decimal number, got "abc"',
    );
    expect((error as Error).message).toContain('row 3 (line 4), column "vCPUs"');
  });

  it('rejects rows without any price and files that cannot be read', async () => {
    expect(() => parseCatalog('InstanceType,Region,vCPUs,MemoryGiB,Price\na,r,1,1,\n')).toThrow(
      /row 1 \(line 2\), column "Price": needs an on-demand price or a spot price/,
    );
    await expect(loadCatalog(join(folder, 'missing.csv'))).rejects.toThrow(
      /Cannot read catalog file .*missing\.csv/,
    );
    expect(() => parseCatalog('{not json', { format: 'json' })).toThrow(/not valid JSON/);
    expect(() => parseCatalog('[1]')).toThrow(/row 1 must be an object/);
  });

  it('handles quoted fields, CRLF line ends and a BOM', () => {
    const text =
      '\uFEFFInstanceType,Region,vCPUs,MemoryGiB,Price\r\n"we,ird ""x""",r1,2,4,1.25\r\n';
    const catalog = parseCatalog(text, { currency: 'GBP' });
    expect(catalog.entries[0]).toMatchObject({
      instanceType: 'we,ird "x"',
      price: { micros: 1_250_000, currency: 'GBP' },
    });
  });
});
