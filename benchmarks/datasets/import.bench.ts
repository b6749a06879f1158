// Import time of each @mlinfra package next to the time of importing its heaviest runtime
// dependency alone, each in fresh `node` processes (median of 5; BENCH_QUICK=1: 3), timed inside
// the process around the dynamic import (Node's own start-up is left out). A package's ratio
// says how much more than its heaviest dependency it costs to import; apache-arrow, which
// @mlinfra/datasets loads only for Arrow output, is timed alone for reference.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const quick = process.env.BENCH_QUICK === '1';
const runs = quick ? 3 : 5;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages');
const packages = ['core', 'drift', 'datasets', 'cost', 'registry', 'serving', 'trainer', 'cli'];

/** Milliseconds to import `specifier` in a fresh process started in `folder` (median of runs). */
function importMs(specifier: string, folder: string): number | undefined {
  const script = `const start = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - start);`;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    try {
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: folder,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      times.push(Number(output.trim().split('\n').at(-1)));
    } catch {
      return undefined; // not importable on its own (type-only, CLI-only or ESM-incompatible)
    }
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function format(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${ms.toFixed(0)} ms`;
}

console.log(`import time, median of ${runs} fresh processes (in-process, after Node start-up)`);
const dependencyTimes = new Map<string, number | undefined>();
for (const name of packages) {
  const folder = join(root, name);
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
  };
  if (!existsSync(join(folder, 'dist'))) {
    console.log(`  ${manifest.name}: not built (pnpm --filter ${manifest.name} build)`);
    continue;
  }
  const ours = importMs(manifest.name, folder);
  let heaviest: { name: string; ms: number } | undefined;
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    const key = `${folder}\0${dependency}`;
    if (!dependencyTimes.has(key)) dependencyTimes.set(key, importMs(dependency, folder));
    const ms = dependencyTimes.get(key);
    if (ms !== undefined && (heaviest === undefined || ms > heaviest.ms))
      heaviest = { name: dependency, ms };
  }
  console.log(
    `  ${manifest.name.padEnd(20)} ${format(ours).padStart(8)}   heaviest dependency alone: ${heaviest?.name ?? 'none'} ${format(heaviest?.ms)}`,
  );
  if (ours !== undefined && heaviest !== undefined) {
    console.log(
      `RESULT ${JSON.stringify({
        area: 'import',
        metric: `import ${manifest.name} (vs its heaviest dependency alone)`,
        ours: Number(ours.toFixed(1)),
        peer: heaviest.name,
        peerValue: Number(heaviest.ms.toFixed(1)),
        ratio: Number((ours / heaviest.ms).toFixed(3)),
        unit: 'ms',
        better: 'lower',
      })}`,
    );
  }
  if (name === 'datasets') {
    console.log(
      `  ${''.padEnd(20)} apache-arrow alone (loaded only by toArrow()): ${format(importMs('apache-arrow', folder))}`,
    );
  }
}
