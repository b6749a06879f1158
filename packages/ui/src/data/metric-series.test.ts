import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@mlinfra/registry';
import { describe, expect, it } from 'vitest';
import { MetricSeriesCache } from './metric-series.js';

describe('MetricSeriesCache', () => {
  it('tops up a running series without losing or repeating points, also under concurrent calls and repeated steps', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mlinfra-ui-series-'));
    const registry = await openRegistry({ url: join(home, 'registry.db'), store: home });
    try {
      const run = await registry.startRun({ name: 'live' });
      const expected: Array<[number, number]> = [];
      const log = async (step: number, value: number) => {
        await run.logMetrics({ loss: value }, { step });
        expected.push([step, value]);
      };
      for (let step = 0; step < 50; step++) await log(step, step / 10);
      await log(49, 99); // a second point at the last step read so far
      await run.flush();
      const cache = new MetricSeriesCache(registry);
      const [first, second] = await Promise.all([
        cache.get(run.id, 'loss', false),
        cache.get(run.id, 'loss', false),
      ]);
      expect(first.count).toBe(51);
      expect(second.count).toBe(51);
      await log(49, 100); // a third point at the step the cache ended on
      for (let step = 50; step < 70; step++) await log(step, -step);
      await run.flush();
      const topped = await Promise.all([1, 2, 3].map(() => cache.get(run.id, 'loss', false)));
      const series = topped[2]!;
      expect(series.count).toBe(expected.length);
      const got = Array.from({ length: series.count }, (_, index) => [
        series.steps[index],
        series.values[index],
      ]);
      const sorted = [...expected].sort((a, b) => a[0] - b[0]);
      expect(got.map(([step]) => step)).toEqual(sorted.map(([step]) => step));
      expect(
        got
          .filter(([step]) => step === 49)
          .map(([, value]) => value)
          .sort(),
      ).toEqual([100, 4.9, 99].sort());
    } finally {
      await registry.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
