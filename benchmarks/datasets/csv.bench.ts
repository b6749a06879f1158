// The one CSV reader of mlinfra (core's CsvRecordReader, RFC 4180, strict) against csv-parse, the
// well-kept library we would otherwise use. Same text, same run: 500,000 records of 6 fields
// (integers, floats, ISO dates, short strings, 1 in 10 quoted with a comma or doubled quote),
// fed to both in 1 MiB pieces as a file stream delivers them. Median of 3 after a warm-up.
// BENCH_QUICK=1: 100,000 records.
import { parse } from 'csv-parse';
import { CsvRecordReader } from '../../packages/core/src/csv/csv-records.js';

const records = process.env.BENCH_QUICK === '1' ? 100_000 : 500_000;
const lines = ['id,price,score,day,city,note'];
for (let index = 0; index < records; index++) {
  const note = index % 10 === 0 ? `"said ""hi"", left"` : `note ${index % 97}`;
  lines.push(
    `${index},${(index * 0.37).toFixed(2)},${Math.sin(index).toFixed(6)},2024-0${1 + (index % 9)}-1${index % 10},city${index % 40},${note}`,
  );
}
const text = `${lines.join('\n')}\n`;
const pieceSize = 1 << 20;
const pieces: string[] = [];
for (let at = 0; at < text.length; at += pieceSize) pieces.push(text.slice(at, at + pieceSize));

function ours(): number {
  let count = 0;
  const reader = new CsvRecordReader();
  const sink = () => {
    count++;
  };
  for (const piece of pieces) reader.push(piece, sink);
  reader.end(sink);
  return count;
}

function peer(): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    const parser = parse({ relax_quotes: false });
    parser.on('readable', () => {
      while (parser.read() !== null) count++;
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(count));
    for (const piece of pieces) parser.write(piece);
    parser.end();
  });
}

async function time(run: () => number | Promise<number>): Promise<number> {
  const started = performance.now();
  const count = await run();
  if (count !== records + 1) throw new Error(`read ${count} records, expected ${records + 1}`);
  return performance.now() - started;
}

await time(ours);
await time(peer);
const oursMs: number[] = [];
const peerMs: number[] = [];
for (let run = 0; run < 3; run++) {
  oursMs.push(await time(ours));
  peerMs.push(await time(peer));
}
const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
const mb = text.length / 1e6;
const oursRate = mb / (median(oursMs) / 1000);
const peerRate = mb / (median(peerMs) / 1000);
console.log(`CSV records, ${records} rows (${mb.toFixed(1)} MB of text)`);
console.log(
  `  mlinfra CsvRecordReader  ${median(oursMs).toFixed(0)} ms  ${oursRate.toFixed(0)} MB/s`,
);
console.log(
  `  csv-parse 7              ${median(peerMs).toFixed(0)} ms  ${peerRate.toFixed(0)} MB/s`,
);
console.log(`  ratio ours/csv-parse throughput ${(oursRate / peerRate).toFixed(2)}x`);
console.log(
  `RESULT ${JSON.stringify({ area: 'datasets', metric: 'CSV records/s (RFC 4180, strict)', ours: oursRate, peer: 'csv-parse 7', peerValue: peerRate, ratio: oursRate / peerRate, unit: 'MB/s', better: 'higher' })}`,
);
