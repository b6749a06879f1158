// @mlinfra/cost allocation: allocateCosts() over many usage records against the straightforward
// implementation a user would write (float dollars, `+=` per group, rounded to cents for display).
// Prints time ratios and money drift against an exact BigInt reference. BENCH_QUICK=1: fewer records.
import { allocateCosts, money, type UsageRecord } from '@mlinfra/cost';

const quick = process.env.BENCH_QUICK === '1';
const count = quick ? 100_000 : 1_000_000;
const groups = 2_000;
const repeats = 3;

// Deterministic data: quantities in quarters, durations in whole seconds, prices in micro-USD,
// so the exact cost of every record is a rational that BigInt can sum without error.
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const priceMicros: Record<string, number> = { gpu: 2_480_000, cpu: 33_917, memoryGiB: 4_471 };
const resources = Object.keys(priceMicros);
const t0 = Date.parse('2026-03-01T00:00:00Z');
const records: UsageRecord[] = [];
for (let index = 0; index < count; index++) {
  const start = t0 + Math.floor(random() * 30 * 86_400) * 1000;
  const seconds = 1 + Math.floor(random() * 7200);
  const resource = resources[index % 3]!;
  const requestedQuarters = Math.floor(random() * 32);
  const usedQuarters = Math.floor(random() * 32);
  records.push({
    start,
    end: start + seconds * 1000,
    resource,
    requested: requestedQuarters / 4,
    used: usedQuarters / 4,
    labels: { experiment: `exp-${index % groups}` },
  });
}

// Exact reference: sum of max(q) x seconds x price / 3600 over quarters, as a BigInt rational.
const exactByGroup = new Map<string, bigint>();
let exactNumerator = 0n;
for (const record of records) {
  const quarters = BigInt(Math.round(Math.max(record.requested!, record.used!) * 4));
  const seconds = BigInt(((record.end as number) - (record.start as number)) / 1000);
  const numerator = quarters * seconds * BigInt(priceMicros[record.resource]!);
  exactNumerator += numerator;
  const name = record.labels!.experiment!;
  exactByGroup.set(name, (exactByGroup.get(name) ?? 0n) + numerator);
}
const denominator = 4n * 3600n;
const exactMicros =
  Number(exactNumerator / denominator) + Number(exactNumerator % denominator) / Number(denominator);

function naive(): { total: number; byGroup: Map<string, number> } {
  const dollarsPerHour: Record<string, number> = { gpu: 2.48, cpu: 0.033917, memoryGiB: 0.004471 };
  const byGroup = new Map<string, number>();
  let total = 0;
  for (const record of records) {
    const hours = ((record.end as number) - (record.start as number)) / 3_600_000;
    const cost =
      Math.max(record.requested!, record.used!) * hours * dollarsPerHour[record.resource]!;
    const name = record.labels!.experiment!;
    byGroup.set(name, (byGroup.get(name) ?? 0) + cost);
    total += cost;
  }
  return { total, byGroup };
}

const prices = {
  gpu: money('2.48', 'USD'),
  cpu: money('0.033917', 'USD'),
  memoryGiB: money('0.004471', 'USD'),
};
const ours = () => allocateCosts({ records, prices, aggregate: 'experiment' });

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
function time<T>(action: () => T): [number, T] {
  const start = process.hrtime.bigint();
  const result = action();
  return [Number(process.hrtime.bigint() - start) / 1e9, result];
}

const oursTimes: number[] = [];
const naiveTimes: number[] = [];
let report = ours();
let plain = naive();
for (let repeat = 0; repeat < repeats; repeat++) {
  const [a, r] = time(ours);
  oursTimes.push(a);
  report = r;
  const [b, p] = time(naive);
  naiveTimes.push(b);
  plain = p;
}

const oursSeconds = median(oursTimes);
const naiveSeconds = median(naiveTimes);
console.log(
  `allocation of ${count.toLocaleString('en')} usage records into ${groups} groups, median of ${repeats}`,
);
console.log(
  `  @mlinfra/cost allocateCosts: ${oursSeconds.toFixed(3)} s (${Math.round(count / oursSeconds).toLocaleString('en')} records/s)`,
);
console.log(
  `  plain float loop:            ${naiveSeconds.toFixed(3)} s (${Math.round(count / naiveSeconds).toLocaleString('en')} records/s)`,
);
console.log(
  `  ratio time ours/plain: ${(oursSeconds / naiveSeconds).toFixed(2)}x (the price of validation, windows, idle/shared and exact rounding)`,
);

// Money correctness.
const oursRowsSum = report.rows.reduce((sum, row) => sum + row.totalCost.micros, 0);
const plainCents = [...plain.byGroup.values()].reduce(
  (sum, value) => sum + Math.round(value * 100),
  0,
);
const plainTotalCents = Math.round(plain.total * 100);
let oursMaxGroupError = 0;
let plainMaxGroupError = 0;
for (const row of report.rows) {
  const exact = exactByGroup.get(row.labels.experiment!)!;
  const exactGroup = Number(exact) / Number(denominator);
  oursMaxGroupError = Math.max(oursMaxGroupError, Math.abs(row.totalCost.micros - exactGroup));
  plainMaxGroupError = Math.max(
    plainMaxGroupError,
    Math.abs(plain.byGroup.get(row.labels.experiment!)! * 1e6 - exactGroup),
  );
}
console.log(`  exact total (BigInt reference): ${(exactMicros / 1e6).toFixed(6)} USD`);
console.log(
  `  ours:  total off by ${Math.abs(report.total.micros - exactMicros).toFixed(3)} micro-USD; rows sum - total = ${oursRowsSum - report.total.micros} micro-USD; worst group off by ${oursMaxGroupError.toFixed(3)} micro-USD`,
);
console.log(
  `  plain: total off by ${Math.abs(plain.total * 1e6 - exactMicros).toFixed(3)} micro-USD; cent-rounded rows sum - cent-rounded total = ${plainCents - plainTotalCents} cents; worst group off by ${plainMaxGroupError.toFixed(3)} micro-USD`,
);
