// Raw Snappy of @mlinfra/datasets (packages/datasets/src/io/snappy.ts) against the codecs a
// hyparquet user gets: hyparquet-writer's snappyCompress and hyparquet's snappyUncompress. Same
// data, same run, each column cut into 1 MiB pages as a Parquet writer would compress them:
//   sequential int32 (4 MB), random float64 (8 MB), sqrt float64 (8 MB), low-cardinality float32
//   (4 MB), sequential int64 timestamps (8 MB), 1M dictionary indices bit-packed at 6 bits.
// Prints MB/s (uncompressed bytes per second) per column and overall, median of 3 after a warm-up,
// the ratio ours / peer (higher is better for us) and compressed sizes.
// Both decoders decode the same bytes (our compressor's output).
// BENCH_QUICK=1: 200,000 values per column instead of 1,000,000.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  snappyCompress,
  snappyCompressInto,
  snappyMaxCompressedLength,
  snappyUncompress,
  snappyUncompressedLength,
} from '../../packages/datasets/src/io/snappy.js';

type Compress = (input: Uint8Array) => Uint8Array;
type Uncompress = (input: Uint8Array, output: Uint8Array) => void;

const quick = process.env.BENCH_QUICK === '1';
const values = quick ? 200_000 : 1_000_000;
const pageBytes = 1 << 20;
const runs = 3;

// hyparquet and hyparquet-writer are dependencies of @mlinfra/datasets, not of the benchmarks.
const fromDatasets = createRequire(
  new URL('../../packages/datasets/package.json', import.meta.url),
);
async function load<T>(specifier: string): Promise<T> {
  return (await import(pathToFileURL(fromDatasets.resolve(specifier)).href)) as T;
}
const { snappyCompress: peerCompress } = await load<{ snappyCompress: Compress }>(
  'hyparquet-writer/src/snappy.js',
);
const { snappyUncompress: peerUncompress } = await load<{ snappyUncompress: Uncompress }>(
  'hyparquet/src/snappy.js',
);

/** splitmix-style deterministic generator, so every run compresses the same bytes. */
let state = 0x9e3779b9;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function bitPacked(count: number, bits: number, cardinality: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((count * bits) / 8));
  let bit = 0;
  for (let i = 0; i < count; i++) {
    const value = Math.floor(random() * cardinality);
    for (let b = 0; b < bits; b++, bit++) {
      if ((value >>> b) & 1) out[bit >>> 3]! |= 1 << (bit & 7);
    }
  }
  return out;
}

const columns: [string, Uint8Array][] = [
  ['sequential int32', bytesOf(Int32Array.from({ length: values }, (_, i) => i))],
  [
    'random float64',
    // 53 random bits per value, like Math.random(): incompressible.
    bytesOf(Float64Array.from({ length: values }, () => random() + random() / 2 ** 32)),
  ],
  ['sqrt float64', bytesOf(Float64Array.from({ length: values }, (_, i) => Math.sqrt(i)))],
  [
    'low-cardinality float32',
    bytesOf(Float32Array.from({ length: values }, () => Math.floor(random() * 2000) / 100)),
  ],
  [
    'int64 timestamps',
    bytesOf(
      BigInt64Array.from(
        { length: values },
        (_, i) => 1_704_067_200_000_000n + BigInt(i) * 1_000_000n,
      ),
    ),
  ],
  ['dictionary indices (6-bit)', bitPacked(values, 6, 40)],
];

function pagesOf(column: Uint8Array): Uint8Array[] {
  const pages: Uint8Array[] = [];
  for (let at = 0; at < column.length; at += pageBytes) {
    pages.push(column.subarray(at, Math.min(at + pageBytes, column.length)));
  }
  return pages;
}

function medianSeconds(action: () => void): number {
  action(); // warm-up: JIT, and the peer's growing buffers
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    action();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

const mb = (bytes: number): number => bytes / 1e6;
const pad = (text: string, width: number): string => text.padStart(width);

let totalBytes = 0;
let totalOurCompressed = 0;
let totalPeerCompressed = 0;
const totals = { compress: 0, compressInto: 0, peerCompress: 0, uncompress: 0, peerUncompress: 0 };
const scratch = new Uint8Array(snappyMaxCompressedLength(pageBytes));

console.log(
  `snappy: ${columns.length} columns of ${values.toLocaleString()} values in ${pageBytes / 2 ** 20} MiB pages; MB/s of uncompressed bytes, median of ${runs} after a warm-up${quick ? ' (BENCH_QUICK)' : ''}`,
);
console.log(
  '  compress: ours = snappyCompress (returns a new array, as the peer does), into = snappyCompressInto a reused buffer',
);
console.log(
  `${'column'.padEnd(28)}${pad('MB', 5)} | compress${pad('ours', 7)}${pad('into', 7)}${pad('peer', 7)}${pad('ratio', 8)}${pad('into', 8)} | uncompress${pad('ours', 7)}${pad('peer', 7)}${pad('ratio', 8)} | size ours / peer`,
);
for (const [name, column] of columns) {
  const pages = pagesOf(column);
  const ours = pages.map((page) => snappyCompress(page));
  const theirs = pages.map((page) => peerCompress(page));
  const outputs = pages.map((page) => new Uint8Array(page.length));
  for (let i = 0; i < pages.length; i++) {
    // Both directions must be right before their speed means anything.
    snappyUncompress(theirs[i]!, outputs[i]!);
    if (!sameBytes(outputs[i]!, pages[i]!)) {
      throw new Error(`${name}: we misdecode the peer's page ${i}`);
    }
    outputs[i]!.fill(0);
    peerUncompress(ours[i]!, outputs[i]!);
    if (!sameBytes(outputs[i]!, pages[i]!)) {
      throw new Error(`${name}: hyparquet misdecodes our page ${i}`);
    }
    if (snappyUncompressedLength(ours[i]!) !== pages[i]!.length) throw new Error('bad preamble');
  }
  const compress = medianSeconds(() => {
    for (const page of pages) snappyCompress(page);
  });
  const compressInto = medianSeconds(() => {
    for (const page of pages) snappyCompressInto(page, scratch);
  });
  const peerCompressSeconds = medianSeconds(() => {
    for (const page of pages) peerCompress(page);
  });
  const uncompress = medianSeconds(() => {
    for (let i = 0; i < pages.length; i++) snappyUncompress(ours[i]!, outputs[i]!);
  });
  const peerUncompressSeconds = medianSeconds(() => {
    for (let i = 0; i < pages.length; i++) peerUncompress(ours[i]!, outputs[i]!);
  });
  const oursSize = ours.reduce((sum, page) => sum + page.length, 0);
  const peerSize = theirs.reduce((sum, page) => sum + page.length, 0);
  totalBytes += column.length;
  totalOurCompressed += oursSize;
  totalPeerCompressed += peerSize;
  totals.compress += compress;
  totals.compressInto += compressInto;
  totals.peerCompress += peerCompressSeconds;
  totals.uncompress += uncompress;
  totals.peerUncompress += peerUncompressSeconds;
  console.log(
    row(name, column.length, {
      compress,
      compressInto,
      peerCompress: peerCompressSeconds,
      uncompress,
      peerUncompress: peerUncompressSeconds,
    }) +
      ` | ${mb(oursSize).toFixed(2)} / ${mb(peerSize).toFixed(2)} MB (${percent(oursSize, column.length)} / ${percent(peerSize, column.length)})`,
  );
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

function row(name: string, bytes: number, seconds: typeof totals): string {
  const rate = (time: number, width: number): string => pad((mb(bytes) / time).toFixed(0), width);
  const ratio = (peer: number, ours: number, width: number): string =>
    pad(`${(peer / ours).toFixed(2)}x`, width);
  return (
    `  ${name.padEnd(26)}${pad(mb(bytes).toFixed(1), 5)} | ${pad('', 8)}${rate(seconds.compress, 7)}${rate(seconds.compressInto, 7)}${rate(seconds.peerCompress, 7)}` +
    `${ratio(seconds.peerCompress, seconds.compress, 8)}${ratio(seconds.peerCompress, seconds.compressInto, 8)} | ${pad('', 10)}${rate(seconds.uncompress, 7)}${rate(seconds.peerUncompress, 7)}${ratio(seconds.peerUncompress, seconds.uncompress, 8)}`
  );
}

console.log(
  `${row('all columns', totalBytes, totals)} | ${mb(totalOurCompressed).toFixed(2)} / ${mb(totalPeerCompressed).toFixed(2)} MB (${percent(totalOurCompressed, totalBytes)} / ${percent(totalPeerCompressed, totalBytes)})`,
);
console.log(
  `peer = hyparquet-writer snappyCompress / hyparquet snappyUncompress. ${mb(totalBytes).toFixed(1)} MB: compress ours ${totals.compress.toFixed(3)} s (into a reused buffer ${totals.compressInto.toFixed(3)} s), peer ${totals.peerCompress.toFixed(3)} s; uncompress ours ${totals.uncompress.toFixed(3)} s, peer ${totals.peerUncompress.toFixed(3)} s. Ratios are peer time / our time, higher is better for us.`,
);
const results = [
  [
    'snappy compress MB/s (vs hyparquet-writer snappyCompress)',
    totals.compress,
    totals.peerCompress,
  ],
  [
    'snappy compress into a reused buffer MB/s (vs hyparquet-writer snappyCompress)',
    totals.compressInto,
    totals.peerCompress,
  ],
  [
    'snappy uncompress MB/s (vs hyparquet snappyUncompress)',
    totals.uncompress,
    totals.peerUncompress,
  ],
] as const;
for (const [metric, ours, peer] of results) {
  console.log(
    `RESULT ${JSON.stringify({
      area: 'datasets',
      metric: quick ? `${metric} (quick)` : metric,
      ours: Number((mb(totalBytes) / ours).toFixed(1)),
      peer: 'hyparquet',
      peerValue: Number((mb(totalBytes) / peer).toFixed(1)),
      ratio: Number((peer / ours).toFixed(3)),
      unit: 'MB/s',
      better: 'higher',
    })}`,
  );
}
