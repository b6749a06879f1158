// Runs every benchmarks/<area>/*.bench.ts in turn (or only those whose path contains an argument),
// each in its own process so one benchmark's memory does not skew the next.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
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
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${relative(root, file)} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) failed++;
}
if (failed > 0) {
  console.error(`${failed} benchmark(s) failed`);
  process.exit(1);
}
