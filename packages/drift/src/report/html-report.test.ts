import { describe, expect, it } from 'vitest';
import { detectDrift } from '../drift/detect-drift.js';
import { createMonitor } from '../monitor/monitor.js';
import { seeded } from '../test-support/random.js';
import { renderHtmlReport } from './html-report.js';

describe('renderHtmlReport', () => {
  const r = seeded(1);
  const reference = Array.from({ length: 300 }, () => ({
    price: r.normal(10, 2),
    '<script>alert(1)</script>': r.uniform() < 0.5 ? 'a' : 'b&c',
  }));
  const current = Array.from({ length: 300 }, () => ({
    price: r.normal(13, 2),
    '<script>alert(1)</script>': r.uniform() < 0.2 ? 'a' : 'b&c',
  }));
  const report = detectDrift(reference, current);
  const html = renderHtmlReport(report, { title: 'Shop <prices>' });

  it('is one self-contained page: inline SVG per column, nothing loaded from outside', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(report.columns.length);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import/i);
    // The only URL is the SVG namespace identifier, which is never fetched.
    expect(html.match(/https?:\/\/[^"]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(
      true,
    );
  });

  it('escapes every value that comes from the data', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Shop &lt;prices&gt;');
    expect(html).toContain('b&amp;c');
  });

  it('shows the verdict, a summary row per column and bars for both samples', () => {
    expect(html).toContain('Drift detected');
    expect(html).toContain(`${report.driftedColumns} / ${report.columnCount}`);
    expect(html.match(/<tr><td><a href="#col-/g)).toHaveLength(2);
    const price = report.columns.find((c) => c.column === 'price');
    expect(price?.drifted).toBe(true);
    expect(html.match(/<rect [^>]*><title>[^<]*reference/g)?.length).toBeGreaterThanOrEqual(
      price?.distribution.labels.length as number,
    );
  });

  it('renders the window and the model-quality table of a monitor report', () => {
    const monitor = createMonitor({
      reference: reference.map((r) => ({ price: r.price })),
      window: { size: 1e9 },
      performance: {
        task: 'regression',
        idColumn: 'id',
        predictionColumn: 'price',
        baseline: { rmse: 0.1 },
      },
      now: () => 1_700_000_000_000,
    });
    monitor.observe(current.map((r, i) => ({ id: i, price: r.price })));
    monitor.observeLabels(current.map((r, i) => ({ id: i, label: r.price + 1 })));
    const windowReport = monitor.flush();
    const page = renderHtmlReport(windowReport as never);
    expect(page).toContain('Model performance');
    expect(page).toContain('<td>rmse</td><td class="num drift">1</td>');
    expect(page).toContain('window 2023-11-14T22:13:20.000Z');
  });
});
