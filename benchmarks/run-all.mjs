// Runs every benchmarks/<area>/*.bench.ts in turn (or only those whose path contains an argument),
// each in its own process so one benchmark's memory does not skew the next, then writes
// benchmarks/RESULTS.md: one table of the ratios against each peer, with the machine and date.
//
//   node run-all.mjs                 every benchmark (BENCH_QUICK=1 for the small setting)
//   node run-all.mjs drift serving   only paths containing "drift" or "serving"
//   node run-all.mjs --no-write      do not touch RESULTS.md / results.json
//   node run-all.mjs --render        only re-render RESULTS.md from results.json
//   node run-all.mjs --from-log <f> [--quick]  import a saved run-all log instead of running
//
// Ratios are collected from each benchmark's output in two ways:
//   1. lines `RESULT {"area","metric","ours","peer","ratio","unit"?,"better"?,"peerValue"?}` (JSON
//      after the word RESULT): the structured convention; `peer` names the peer, `ours` and
//      `peerValue` are the measured values in `unit`, `better` is "higher" or "lower";
//   2. for a benchmark that prints no RESULT line, its lines that contain `ratio ... <number>x`
//      or `speedup ... <number>x`, kept verbatim with the heading line above them.
// Results are merged per benchmark file into results.json, so a partial run updates only the
// benchmarks it ran; RESULTS.md is rendered from it and says when each one was measured.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, parseResults, render } from './results.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const filters = args.filter((arg) => !arg.startsWith('--'));
const files = [];
for (const area of readdirSync(root).sort()) {
  const folder = join(root, area);
  if (area === 'node_modules' || !statSync(folder).isDirectory()) continue;
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (
      name.endsWith('.bench.ts') &&
      (filters.length === 0 || filters.some((f) => path.includes(f)))
    ) {
      files.push(path);
    }
  }
}

function run(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
    });
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? (signal === null ? 1 : signal),
        output,
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

const resultsJson = join(root, 'results.json');
if (args.includes('--render')) {
  // Re-renders RESULTS.md from results.json without running anything (re-parsing stored output).
  const stored = JSON.parse(readFileSync(resultsJson, 'utf8'));
  for (const entry of Object.values(stored.benchmarks)) {
    if (typeof entry.output === 'string') entry.results = parseResults(entry.output, entry.area);
  }
  writeFileSync(resultsJson, `${JSON.stringify(stored, null, 2)}\n`);
  writeFileSync(join(root, 'RESULTS.md'), render(stored));
  process.exit(0);
}
const logIndex = args.indexOf('--from-log');
if (logIndex >= 0) {
  // Imports a saved run-all log (`node run-all.mjs > bench.log`): each `=== file ===` section
  // becomes that benchmark's result, dated by the log file's time, measured on this machine.
  const logPath = args[logIndex + 1];
  const stored = existsSync(resultsJson)
    ? JSON.parse(readFileSync(resultsJson, 'utf8'))
    : { format: 'mlinfra.bench-results/v1', benchmarks: {} };
  const text = readFileSync(logPath, 'utf8');
  const ranAt = statSync(logPath).mtime.toISOString();
  const sections = text.split(/^=== (.+\.bench\.ts) ===$/m);
  for (let index = 1; index < sections.length; index += 2) {
    const name = sections[index];
    const output = sections[index + 1].split(/^Wrote .*RESULTS\.md/m)[0];
    const area = name.split('/')[0];
    stored.benchmarks[name] = {
      file: name,
      area,
      ranAt,
      quick: args.includes('--quick'),
      exitCode: /\n\d+ benchmark\(s\) failed/.test(output) ? 1 : 0,
      seconds: 0,
      machine: machine(),
      output,
      results: parseResults(output, area),
    };
  }
  writeFileSync(resultsJson, `${JSON.stringify(stored, null, 2)}\n`);
  writeFileSync(join(root, 'RESULTS.md'), render(stored));
  process.exit(0);
}
const ran = { format: 'mlinfra.bench-results/v1', benchmarks: {} };
const quick = process.env.BENCH_QUICK === '1';
let failed = 0;
for (const file of files) {
  const name = relative(root, file);
  console.log(`\n=== ${name} ===`);
  const result = await run(file);
  if (result.code !== 0) failed++;
  const area = name.split('/')[0];
  ran.benchmarks[name] = {
    file: name,
    area,
    ranAt: new Date().toISOString(),
    quick,
    exitCode: result.code,
    seconds: result.seconds,
    machine: machine(),
    output: result.output,
    results: parseResults(result.output, area),
  };
}
if (write && files.length > 0) {
  // Merge into what is there now (another run may have finished meanwhile): only the benchmarks
  // this run executed are replaced.
  const state = existsSync(resultsJson)
    ? JSON.parse(readFileSync(resultsJson, 'utf8'))
    : { format: 'mlinfra.bench-results/v1', benchmarks: {} };
  Object.assign(state.benchmarks, ran.benchmarks);
  writeFileSync(resultsJson, `${JSON.stringify(state, null, 2)}\n`);
  writeFileSync(join(root, 'RESULTS.md'), render(state));
  const count = Object.values(state.benchmarks).reduce(
    (sum, entry) => sum + entry.results.length,
    0,
  );
  console.log(
    `\nWrote ${relative(process.cwd(), join(root, 'RESULTS.md'))} (${count} ratios from ${Object.keys(state.benchmarks).length} benchmarks)`,
  );
}
if (failed > 0) {
  console.error(`${failed} benchmark(s) failed`);
  process.exit(1);
}
