// profile() on a 1M x 7 table (the shape @mlinfra/datasets commits) against the obvious exact
// pass a user would write by hand: sort a copy of each numeric column and read 100 quantiles,
// and count each string/boolean column with a Map. Same table, same process, same run.
import type { TableSchema } from '@mlinfra/core';
import { profile } from '@mlinfra/drift';
import { QUICK } from './python-peer.js';

const n = QUICK ? 200_000 : 1_000_000;
const warmups = 3;
const runs = 5;

/** Median wall time in ms of `runs` calls after `warmups` calls (the JIT needs a few on this size). */
function timeMs(fn: () => unknown): number {
  for (let i = 0; i < warmups; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Deterministic table: the column types and cardinalities of the datasets commit benchmark. */
function buildTable(rows: number) {
  let state = 12345;
  const uniform = (): number => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
  const zones = Array.from({ length: 40 }, (_, i) => `zone_${i}`);
  const id = new Int32Array(rows);
  const price = new Float64Array(rows);
  const score = new Float64Array(rows);
  const weight = new Float32Array(rows);
  const zone = new Array<string>(rows);
  const flag = new Array<boolean>(rows);
  const at = new Float64Array(rows);
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < rows; i++) {
    id[i] = i;
    price[i] = Math.floor(uniform() * 100_000) / 100 + 1; // 100k distinct
    score[i] = Math.sqrt(i); // all distinct
    weight[i] = Math.floor(uniform() * 2000) / 8; // 2000 distinct
    zone[i] = zones[Math.floor(uniform() * 40)] as string;
    flag[i] = uniform() < 0.3;
    at[i] = start + i * 1000; // epoch ms, sequential
  }
  return { id, price, score, weight, zone, flag, at };
}

const schema: TableSchema = {
  columns: [
    { name: 'id', type: 'int32' },
    { name: 'price', type: 'float64' },
    { name: 'score', type: 'float64' },
    { name: 'weight', type: 'float32' },
    { name: 'zone', type: 'category' },
    { name: 'flag', type: 'bool' },
    { name: 'at', type: 'timestamp' },
  ],
};

/** The peer: exact quantiles by sorting each numeric column, exact counts by a Map. */
function sortBasedSummary(table: ReturnType<typeof buildTable>) {
  const out: Record<string, number[] | Map<string | boolean, number>> = {};
  for (const name of ['id', 'price', 'score', 'weight', 'at'] as const) {
    const sorted = Float64Array.from(table[name]).sort();
    const quantiles: number[] = [];
    for (let q = 0; q < 100; q++)
      quantiles.push(sorted[Math.min(n - 1, Math.floor((q / 99) * (n - 1)))] as number);
    out[name] = quantiles;
  }
  for (const name of ['zone', 'flag'] as const) {
    const counts = new Map<string | boolean, number>();
    for (const v of table[name]) counts.set(v, (counts.get(v) ?? 0) + 1);
    out[name] = counts;
  }
  return out;
}

const table = buildTable(n);
console.log(
  `profile() on ${n.toLocaleString()} rows x 7 columns (int32, 2 x float64, float32, 40-category string, bool, timestamp); median of ${runs} runs after ${warmups} warm-ups`,
);
// The first call of each also pays for JIT compilation (what a one-off commit in a fresh process
// sees); timeMs then warms up and takes the median of `runs`.
const firstCall = (fn: () => unknown): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const oursFirstMs = firstCall(() => profile(table, { schema }));
const peerFirstMs = firstCall(() => sortBasedSummary(table));
const oursMs = timeMs(() => profile(table, { schema }));
const peerMs = timeMs(() => sortBasedSummary(table));
const ratio = peerMs / oursMs;
console.log(
  `first call (includes JIT warm-up): ours ${oursFirstMs.toFixed(1)} ms, sort-based ${peerFirstMs.toFixed(1)} ms, ratio ${(peerFirstMs / oursFirstMs).toFixed(2)}x`,
);
console.log(
  `profile ${QUICK ? '200k' : '1M'} x 7: ours ${oursMs.toFixed(1)} ms, sort-based exact quantiles ${peerMs.toFixed(1)} ms, ratio ${ratio.toFixed(2)}x (peer / ours, higher is better for us)`,
);
console.log(
  `RESULT ${JSON.stringify({
    area: 'drift',
    metric: QUICK ? 'profile 200k x 7' : 'profile 1M x 7',
    ours: Number(oursMs.toFixed(2)),
    peer: 'sort-based exact quantiles',
    peerValue: Number(peerMs.toFixed(2)),
    ratio: Number(ratio.toFixed(3)),
    unit: 'ms',
    better: 'lower',
  })}`,
);
