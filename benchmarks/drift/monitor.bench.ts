// Monitor.observe throughput in numeric values per second on one core (target: >= 2,000,000/s),
// side by side with the alternative a user would write without sketches: keep each window's raw
// rows and run detectDrift on them when the window closes.
import { createMonitor, detectDrift, profile } from '@mlinfra/drift';
import { normals, QUICK } from './python-peer.js';

const columns = 20;
const windowRows = QUICK ? 20_000 : 100_000;
const windows = QUICK ? 2 : 5;
const totalRows = windowRows * windows;
console.log(
  `monitor: ${totalRows.toLocaleString()} rows x ${columns} numeric columns, windows of ${windowRows.toLocaleString()} rows`,
);

const names = Array.from({ length: columns }, (_, c) => `f${c}`);
const referenceColumns = Object.fromEntries(names.map((n, c) => [n, normals(50_000, 0, 1, c + 1)]));
const data = names.map((_, c) => normals(totalRows, 0.05, 1, 1000 + c));
const rows = Array.from({ length: totalRows }, (_, i) => {
  const row: Record<string, number> = {};
  for (let c = 0; c < columns; c++)
    row[names[c] as string] = (data[c] as Float64Array)[i] as number;
  return row;
});
const reference = profile(referenceColumns);

let reports = 0;
const monitor = createMonitor({
  reference,
  window: { size: windowRows },
  onReport: () => reports++,
});
const start = performance.now();
for (let i = 0; i < totalRows; i += 1000) monitor.observe(rows.slice(i, i + 1000));
const ms = performance.now() - start;
const perSecond = (totalRows * columns) / (ms / 1000);
console.log(
  `monitor.observe (incl. ${reports} window reports): ${(perSecond / 1e6).toFixed(2)} M values/s, ${(perSecond / 2e6).toFixed(2)}x the 2 M/s target`,
);

// Alternative: buffer raw rows, detectDrift per window on raw data (memory grows with traffic).
let buffer: Record<string, number>[] = [];
const naiveStart = performance.now();
for (let i = 0; i < totalRows; i += 1000) {
  for (const row of rows.slice(i, i + 1000)) buffer.push(row);
  if (buffer.length >= windowRows) {
    detectDrift(referenceColumns, buffer);
    buffer = [];
  }
}
const naiveMs = performance.now() - naiveStart;
console.log(
  `raw-window alternative: ${((totalRows * columns) / (naiveMs / 1000) / 1e6).toFixed(2)} M values/s; monitor is ${(naiveMs / ms).toFixed(2)}x ${naiveMs >= ms ? 'faster' : 'slower'} and holds ${JSON.stringify(monitor.snapshot()).length.toLocaleString()} bytes per window instead of ${(windowRows * columns * 8).toLocaleString()}+ bytes of raw values`,
);
