import { NotFoundError, ValidationError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { money } from '../money/money.js';
import { createCatalog, mergeCatalogs } from './catalog.js';
import { DEFAULT_CATALOG_METADATA, defaultCatalog } from './default-catalog.js';

describe('defaultCatalog', () => {
  it('states its date, sources and that prices are approximate list prices', () => {
    const { metadata } = defaultCatalog();
    expect(metadata.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(metadata.currency).toBe('USD');
    expect(metadata.sources.some((source) => source.includes('aws.amazon.com'))).toBe(true);
    expect(metadata.sources.some((source) => source.includes('cloud.google.com'))).toBe(true);
    expect(metadata.sources.some((source) => source.includes('azure.microsoft.com'))).toBe(true);
    expect(metadata.notes).toMatch(/approximate/i);
    expect(metadata.notes).toMatch(/load your own catalog/i);
    expect(metadata).toBe(DEFAULT_CATALOG_METADATA);
  });

  it('covers GPU and CPU types of the three providers with consistent entries', () => {
    const catalog = defaultCatalog();
    const providers = new Set(catalog.entries.map((entry) => entry.provider));
    expect([...providers].sort()).toEqual(['aws', 'azure', 'gcp']);
    for (const entry of catalog.entries) {
      expect(entry.price?.currency).toBe('USD');
      expect(entry.price!.micros).toBeGreaterThan(0);
      if (entry.spotPrice !== undefined)
        expect(entry.spotPrice.micros).toBeLessThan(entry.price!.micros);
      expect(entry.acceleratorCount === 0).toBe(entry.acceleratorName === undefined);
    }
    for (const type of [
      'p3.2xlarge',
      'p4d.24xlarge',
      'p5.48xlarge',
      'g4dn.xlarge',
      'g5.xlarge',
      'g6.xlarge',
      'c6i.xlarge',
      'm6i.xlarge',
    ]) {
      expect(catalog.find(type).provider).toBe('aws');
    }
    for (const type of [
      'a2-highgpu-1g',
      'a3-highgpu-8g',
      'g2-standard-4',
      'n2-standard-8',
      'n1-standard-8+1xT4',
      'n1-standard-8+1xV100',
    ]) {
      expect(catalog.find(type).provider).toBe('gcp');
    }
    for (const type of [
      'Standard_NC6s_v3',
      'Standard_ND96amsr_A100_v4',
      'Standard_NV36ads_A10_v5',
      'Standard_D8s_v5',
    ]) {
      expect(catalog.find(type).provider).toBe('azure');
    }
  });

  it('finds the cheapest region unless one is named, and by spot price when asked', () => {
    const catalog = defaultCatalog();
    expect(catalog.find('p3.2xlarge', { region: 'us-west-2' }).region).toBe('us-west-2');
    expect(catalog.find('P3.2XLARGE', { spot: true }).spotPrice!.micros).toBe(920_000);
    expect(catalog.find('a2-highgpu-1g').region).toBe('us-central1');
  });

  it('names close matches and listed regions when a type is missing', () => {
    const catalog = defaultCatalog();
    expect(() => catalog.find('p3.2xlarg')).toThrow(/similar types: p3\.2xlarge/);
    expect(() => catalog.find('p3.2xlarge', { region: 'eu-north-1' })).toThrow(
      /listed in us-east-1, us-west-2/,
    );
    expect(() => catalog.find('nope')).toThrow(NotFoundError);
  });

  it('filters by accelerator memory, count and provider', () => {
    const big = defaultCatalog().list({
      minAcceleratorMemoryGiB: 80,
      minAccelerators: 8,
      providers: ['aws'],
    });
    expect(big.map((entry) => entry.instanceType).sort()).toEqual([
      'p4de.24xlarge',
      'p5.48xlarge',
      'p5.48xlarge',
    ]);
  });
});

describe('createCatalog', () => {
  it('rejects prices in another currency, naming the entry', () => {
    const metadata = { name: 'mine', asOf: '2026-01-01', currency: 'USD', sources: [], notes: '' };
    const entry = {
      provider: 'x',
      instanceType: 'a',
      region: 'r',
      vcpus: 1,
      memoryGiB: 1,
      acceleratorCount: 0,
    };
    expect(() => createCatalog([{ ...entry, price: money(1, 'EUR') }], metadata)).toThrow(
      /0\.price: is in EUR/,
    );
  });

  it('lets a later catalog override entries of an earlier one', () => {
    const metadata = {
      name: 'discounts',
      asOf: '2026-01-01',
      currency: 'USD',
      sources: [],
      notes: '',
    };
    const override = createCatalog(
      [
        {
          ...defaultCatalog().find('p3.2xlarge', { region: 'us-east-1' }),
          price: money('2.00', 'USD'),
        },
      ],
      metadata,
    );
    const merged = mergeCatalogs(defaultCatalog(), override);
    expect(merged.find('p3.2xlarge', { region: 'us-east-1' }).price!.micros).toBe(2_000_000);
    expect(merged.entries.length).toBe(defaultCatalog().entries.length);
    expect(() =>
      mergeCatalogs(defaultCatalog(), createCatalog([], { ...metadata, currency: 'EUR' })),
    ).toThrow(ValidationError);
  });
});
