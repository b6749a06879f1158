import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time (ms) of a non-test `.ts` file below `folder`. */
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

/**
 * Builds a workspace package (`pnpm --filter <name> build`) when `<packageRoot>/<output>` is
 * missing or older than any source file in `<packageRoot>/src`. Tests that run the built package
 * in a child process (Node 20 cannot run TypeScript directly) call it first.
 * @throws Error with the build's output when the build fails.
 */
export function ensureBuilt(packageRoot: string, name: string, output = 'dist/index.js'): void {
  const built = join(packageRoot, output);
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(packageRoot, 'src')))
    return;
  const build = spawnSync('pnpm', ['--filter', name, 'build'], {
    cwd: packageRoot,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(
      `Building ${name} failed; run pnpm --filter ${name} build:\n${build.stdout}\n${build.stderr}`,
    );
  }
}
