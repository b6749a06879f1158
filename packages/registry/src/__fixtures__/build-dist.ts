// Vitest global setup: child-process tests import the built package (Node 20 cannot run
// TypeScript directly), so rebuild dist/ when any source file is newer than it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

export default function setup(): void {
  let built = 0;
  try {
    built = statSync(join(packageRoot, 'dist', 'index.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestSource(join(packageRoot, 'src'))) return;
  const result = spawnSync(join(packageRoot, 'node_modules', '.bin', 'tsup'), [], {
    cwd: packageRoot,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error('Building @mlinfra/registry failed; run pnpm --filter @mlinfra/registry build');
}
