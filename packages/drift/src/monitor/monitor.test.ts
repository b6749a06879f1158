import { ValidationError } from '@mlinfra/core/schema';
import { describe, expect, it } from 'vitest';
import type { DriftReport } from '../drift/drift-report.js';
import { profile } from '../profile/profile.js';
import { seeded } from '../test-support/random.js';
import { createMonitor, mergeWindows, type WindowSnapshot } from './monitor.js';

function rows(n: number, shift: number, seed: number, idOffset = 0) {
  const r = seeded(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `r${idOffset + i}`,
    amount: r.normal(100 + shift * 20, 15),
    country: r.uniform() < 0.6 - shift * 0.3 ? 'fr' : 'de',
    score: r.uniform(),
  }));
}

describe('createMonitor', () => {
  it('reports each window of `size` rows, with drift where the traffic shifted', () => {
    const reports: DriftReport[] = [];
    const monitor = createMonitor({
      reference: rows(5000, 0, 1),
      columns: ['amount', 'country'],
      window: { size: 2000 },
      onReport: (report) => reports.push(report),
    });
    monitor.observe(rows(2000, 0, 2));
    monitor.observe(rows(2000, 1, 3));
    monitor.observe(rows(500, 1, 4));
    expect(reports.map((r) => r.window?.index)).toEqual([0, 1]);
    expect(reports[0]?.datasetDrift).toBe(false);
    expect(reports[1]?.datasetDrift).toBe(true);
    expect(reports[1]?.columns.find((c) => c.column === 'amount')?.drifted).toBe(true);
    expect(reports[1]?.source).toEqual({ reference: 'profile', current: 'profile' });
    const last = monitor.flush();
    expect(last?.currentRows).toBe(500);
    expect(monitor.flush()).toBeNull();
  });

  it('closes windows by duration on an injected clock', () => {
    let now = 1_000_000;
    const reports: DriftReport[] = [];
    const monitor = createMonitor({
      reference: profile(rows(1000, 0, 1)),
      columns: ['amount'],
      window: { durationMs: 60_000 },
      onReport: (r) => reports.push(r),
      now: () => now,
    });
    monitor.observe(rows(100, 0, 2));
    now += 59_999;
    monitor.observe(rows(100, 0, 3));
    expect(reports).toHaveLength(0);
    now += 1;
    monitor.observe(rows(50, 0, 4));
    expect(reports).toHaveLength(1);
    expect(reports[0]?.window).toEqual({ start: 1_000_000, end: 1_060_000, index: 0 });
    expect(reports[0]?.currentRows).toBe(200);
    now += 3 * 60_000;
    monitor.observe(rows(10, 0, 5));
    // The window holding the 50 rows closes; the empty ones after it produce no report.
    expect(reports).toHaveLength(2);
    expect(reports[1]?.currentRows).toBe(50);
    // A year of idle one-minute windows is skipped in one step; window numbering stays aligned.
    now += 365 * 24 * 3_600_000;
    monitor.observe(rows(5, 0, 6));
    const report = monitor.flush();
    expect(report?.currentRows).toBe(5);
    expect(report?.window?.index).toBe(Math.floor((now - 1_000_000) / 60_000));
    expect(((report?.window?.start as number) - 1_000_000) % 60_000).toBe(0);
  });

  it('keeps memory bounded by the number of columns, not by traffic', () => {
    const monitor = createMonitor({
      reference: rows(2000, 0, 1),
      columns: ['amount', 'country', 'score'],
      window: { size: 10_000_000 },
    });
    monitor.observe(rows(20_000, 0, 2));
    const small = JSON.stringify(monitor.snapshot()).length;
    for (let i = 0; i < 9; i++) monitor.observe(rows(20_000, 0, 3 + i));
    const large = JSON.stringify(monitor.snapshot()).length;
    expect(monitor.snapshot().profile.rowCount).toBe(200_000);
    expect(large).toBeLessThan(small * 1.5);
  });

  it('merges the windows of several replicas into one report', () => {
    const reference = profile(rows(3000, 0, 1));
    const replicas = [
      createMonitor({ reference, window: { size: 1e9 }, columns: ['amount', 'country'] }),
      createMonitor({ reference, window: { size: 1e9 }, columns: ['amount', 'country'] }),
    ];
    const single = createMonitor({
      reference,
      window: { size: 1e9 },
      columns: ['amount', 'country'],
    });
    const traffic = rows(8000, 0.5, 7);
    traffic.forEach((row, i) => {
      replicas[i % 2]?.observe(row);
      single.observe(row);
    });
    const snapshots = replicas.map(
      (m) => JSON.parse(JSON.stringify(m.snapshot())) as WindowSnapshot,
    );
    const merged = mergeWindows(snapshots[0] as WindowSnapshot, snapshots[1] as WindowSnapshot);
    expect(merged.profile.rowCount).toBe(8000);
    const a = single.report(single.snapshot());
    const b = single.report(merged);
    for (const column of ['amount', 'country']) {
      const x = a.columns.find((c) => c.column === column);
      const y = b.columns.find((c) => c.column === column);
      expect(y?.currentCount).toBe(x?.currentCount);
      expect(Math.abs((y?.statistic as number) - (x?.statistic as number))).toBeLessThan(0.03);
      expect(y?.drifted).toBe(x?.drifted);
    }
  });

  it('joins late labels by id and reports accuracy, ROC AUC and log loss per window', () => {
    const reports: DriftReport[] = [];
    const monitor = createMonitor({
      reference: rows(1000, 0, 1),
      columns: ['amount'],
      window: { size: 1000 },
      onReport: (r) => reports.push(r),
      performance: {
        task: 'classification',
        idColumn: 'id',
        predictionColumn: 'score',
        baseline: { accuracy: 0.95 },
        maxPending: 1500,
      },
    });
    const traffic = rows(1000, 0, 2);
    monitor.observe(traffic.slice(0, 999));
    expect(monitor.pendingLabels).toBe(999);
    const r = seeded(5);
    const labels = traffic
      .slice(0, 600)
      .map((row) => ({ id: row.id, label: r.uniform() < row.score ? 1 : 0 }));
    expect(monitor.observeLabels([...labels, { id: 'nope', label: 1 }])).toEqual({
      matched: 600,
      unmatched: 1,
    });
    monitor.observe(traffic[999] as never);
    const perf = reports[0]?.performance;
    expect(perf?.labeled).toBe(600);
    expect(perf?.pending).toBe(400);
    const pairs = labels.map((l, i) => [traffic[i]?.score as number, l.label] as const);
    const accuracy = pairs.filter(([p, y]) => (p >= 0.5 ? 1 : 0) === y).length / pairs.length;
    const logLoss =
      pairs.reduce((s, [p, y]) => s - (y ? Math.log(p) : Math.log(1 - p)), 0) / pairs.length;
    const positives = pairs.filter(([, y]) => y === 1).map(([p]) => p);
    const negatives = pairs.filter(([, y]) => y === 0).map(([p]) => p);
    let wins = 0;
    for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
    const auc = wins / (positives.length * negatives.length);
    expect(perf?.metrics.accuracy).toBeCloseTo(accuracy, 12);
    expect(perf?.metrics.logLoss).toBeCloseTo(logLoss, 10);
    expect(Math.abs((perf?.metrics.rocAuc as number) - auc)).toBeLessThan(0.005);
    expect(perf?.degraded).toEqual(['accuracy']);
    expect(reports[0]?.columns.find((c) => c.column === 'amount')?.role).toBe('feature');
  });

  it('reports RMSE for regression and drops the oldest predictions beyond maxPending', () => {
    const monitor = createMonitor({
      reference: rows(500, 0, 1),
      columns: ['amount'],
      window: { size: 1e9 },
      performance: {
        task: 'regression',
        idColumn: 'id',
        predictionColumn: 'amount',
        maxPending: 100,
      },
    });
    const traffic = rows(150, 0, 2);
    monitor.observe(traffic);
    expect(monitor.pendingLabels).toBe(100);
    expect(
      monitor.observeLabels(traffic.slice(0, 50).map((t) => ({ id: t.id, label: 0 }))),
    ).toEqual({ matched: 0, unmatched: 50 });
    const matched = traffic.slice(50, 60);
    monitor.observeLabels(matched.map((t) => ({ id: t.id, label: t.amount - 2 })));
    const report = monitor.flush();
    expect(report?.performance?.expired).toBe(50);
    expect(report?.performance?.metrics.rmse).toBeCloseTo(2, 10);
    expect(report?.performance?.metrics.bias).toBeCloseTo(2, 10);
  });

  it('rejects a bad row without changing the window, naming the column', () => {
    const monitor = createMonitor({
      reference: rows(500, 0, 1),
      columns: ['amount', 'country'],
      window: { size: 1e9 },
    });
    monitor.observe(rows(10, 0, 2));
    expect(() => monitor.observe({ amount: 'lots', country: 'fr' })).toThrow(
      /Column "amount" of observed rows/,
    );
    expect(() => monitor.observe({ amount: 5, country: { x: 1 } })).toThrow(ValidationError);
    const snap = monitor.snapshot();
    expect(snap.profile.rowCount).toBe(10);
    expect(snap.profile.columns.amount?.count).toBe(10);
    expect(() => createMonitor({ reference: rows(10, 0, 1), window: { size: 0 } })).toThrow(
      /window/,
    );
    expect(() =>
      createMonitor({ reference: rows(10, 0, 1), columns: ['nope'], window: { size: 5 } }),
    ).toThrow(/"nope"/);
    expect(() => monitor.observeLabels({ id: 1, label: 1 })).toThrow(/performance/);
  });
});
