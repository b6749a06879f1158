// The end-to-end demo's command line: `pnpm start [--quick] [--home <dir>] [--out <dir>] [--epochs <n>] [--json]`.
// Environment: MLINFRA_DEMO_QUICK=1 (the shortened CI setting), MLINFRA_DEMO_HOME, MLINFRA_DEMO_OUT.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MlinfraError } from '@mlinfra/core';
import { runDemo } from './demo.js';

const exampleRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
function parseCommandLine() {
  try {
    return parseArgs({
      // `pnpm run demo:run -- --quick` hands the script a literal `--`; ignore it.
      args: process.argv.slice(2).filter((arg) => arg !== '--'),
      options: {
        quick: { type: 'boolean', default: false },
        home: { type: 'string' },
        out: { type: 'string' },
        epochs: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}. See --help.`);
    process.exit(2);
  }
}
const { values } = parseCommandLine();

if (values.help) {
  console.log(`Usage: pnpm --filter @mlinfra/example-end-to-end start [options]

  --quick          shortened setting (as MLINFRA_DEMO_QUICK=1): 6 epochs, batched traffic
  --home <dir>     mlinfra home to create (default examples/end-to-end/.mlinfra; wiped each run)
  --out <dir>      reports folder (default <home>/reports)
  --epochs <n>     training epochs (default 40, quick 6)
  --json           print the summary as JSON on stdout (progress goes to stderr)`);
  process.exit(0);
}

const quick = values.quick || ['1', 'true', 'yes'].includes(process.env.MLINFRA_DEMO_QUICK ?? '');
// Inside the example's own .mlinfra, the default home of any mlinfra tool started in this folder
// (git and the linter ignore it); the reports go next to the data they describe.
const home = values.home ?? process.env.MLINFRA_DEMO_HOME ?? join(exampleRoot, '.mlinfra');
const out = values.out ?? process.env.MLINFRA_DEMO_OUT ?? join(home, 'reports');
const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
  console.error(`--epochs must be a positive integer; got ${values.epochs}`);
  process.exit(2);
}
const log = values.json
  ? (line: string) => process.stderr.write(`${line}\n`)
  : (line: string) => console.log(line);

try {
  const summary = await runDemo({
    home,
    out,
    quick,
    log,
    ...(epochs === undefined ? {} : { epochs }),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    // Relative to where the user typed the command (npm sets INIT_CWD; pnpm --filter moves the cwd).
    const base = process.env.INIT_CWD ?? process.cwd();
    const shown = (path: string) => {
      const near = relative(base, path);
      return near === '' || near.startsWith('..') ? path : near;
    };
    const { training, evaluation, model, serving, drift, cost } = summary;
    console.log(`
Summary (${summary.seconds} s${quick ? ', quick setting' : ''})
  data      ${summary.dataset.versions.length} versions of ${summary.dataset.name}, ${summary.dataset.versions.at(-1)?.rows} rows; a bad commit was rejected
  training  ${training.status} on ${training.backend}: ${training.epochs} epochs in ${training.seconds} s, loss ${training.finalLoss.toFixed(3)}
  model     ${model.name}/${model.version} is @${model.alias}; test accuracy ${evaluation.accuracy?.toFixed(3)}
  serving   ${serving.rows} days scored in ${serving.requests} requests, p95 ${serving.latencyMsP95.toFixed(1)} ms, ${serving.failed} failed
  drift     ${drift.datasetDrift ? 'DRIFT' : 'no drift'} in summer 2015 traffic: ${drift.driftedColumns.join(', ') || 'no column'} drifted
  cost      training spent ${cost.budgetSpent} of ${cost.budgetLimit}; serving ${cost.servingCostPerMillionPredictions} per million predictions

Reports
  ${shown(summary.reports.summary)}   (open in a browser)
  ${shown(summary.reports.drift)}
  ${shown(summary.reports.cost)}
  ${shown(summary.reports.json)}

Explore what it built with the CLI (models list|show|lineage, runs list, datasets log, cost report):
  pnpm --filter @mlinfra/example-end-to-end exec mlinfra models show seattle-weather@champion${summary.home === join(exampleRoot, '.mlinfra') ? '' : ` --home ${summary.home}`}`);
  }
} catch (error) {
  if (MlinfraError.isInstance(error)) {
    console.error(`\n${error.name} (${error.code}): ${error.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
}
