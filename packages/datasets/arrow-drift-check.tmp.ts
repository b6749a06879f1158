import { tableFromArrays, tableFromJSON } from 'apache-arrow';
import { detectDrift, profile } from '../drift/src/index.ts';

const ref = tableFromArrays({
  x: Float64Array.from({ length: 500 }, (_, i) => Math.sin(i)),
  n: new Int32Array(500).map((_, i) => i % 7),
});
const cur = tableFromJSON(
  Array.from({ length: 400 }, (_, i) => ({
    x: i % 10 === 0 ? null : Math.cos(i) + 0.3,
    n: i % 5,
    s: i % 3 ? 'a' : 'b',
  })),
);
const report = detectDrift(ref, cur, { columns: ['x', 'n'] });
console.log(
  report.columns.map((c) => [c.column, c.test, c.statistic.toFixed(4), c.currentMissing]),
);
console.log(Object.keys(profile(cur).columns), profile(cur).columns.s?.kind);
