import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without types
import { BUDGET_GZIP_BYTES, entrySets, measure } from '../scripts/bundle-size.mjs';

interface Size {
  minified: number;
  gzip: number;
  byPackage: Record<string, number>;
}

describe('browser bundle size', () => {
  it(`detectDrift + profile + ksTest stay within ${BUDGET_GZIP_BYTES / 1024} KiB gzip (zod/mini, no classic zod)`, async () => {
    const sets = entrySets('./src/index.ts') as Record<string, string>;
    for (const contents of Object.values(sets)) {
      const size = (await measure(contents)) as Size;
      expect(size.gzip).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
      // Classic zod alone is ~100 KiB gzip; only zod/mini's core may come in.
      expect(size.byPackage.zod ?? 0).toBeLessThan(48 * 1024);
    }
  });
});
