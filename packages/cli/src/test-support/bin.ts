import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built `mlinfra` bin. */
export const bin = join(packageRoot, 'dist', 'bin.js');

/** The CLI's test fixtures folder. */
export const fixtures = join(packageRoot, 'src', '__fixtures__');

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

/** Builds the CLI when dist is missing or older than its sources. */
export function ensureBuilt(): void {
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource(join(packageRoot, 'src'))) return;
  const build = spawnSync('pnpm', ['--filter', '@mlinfra/cli', 'build'], {
    cwd: packageRoot,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(`building the CLI failed:\n${build.stdout}\n${build.stderr}`);
  }
}

/** What a finished `mlinfra` process printed. */
export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `mlinfra` process: its child, and a promise of its result. */
export interface Running {
  child: ChildProcess;
  result: Promise<Result>;
  /**
   * Resolves with the match once stdout and stderr together have printed text matching `pattern`;
   * rejects with everything printed when the process exits first.
   */
  outputMatches(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts `mlinfra <args>` as a real process. */
export function startMlinfra(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  const notify = () => {
    for (const watcher of watchers.splice(0)) watcher();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });
  const result = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    result,
    outputMatches: (pattern) =>
      new Promise<RegExpExecArray>((done, fail) => {
        const check = () => {
          const match = pattern.exec(`${stdout}${stderr}`);
          if (match === null) watchers.push(check);
          else done(match);
        };
        check();
        void result.then(() =>
          fail(new Error(`mlinfra exited before printing ${pattern}:\n${stdout}${stderr}`)),
        );
      }),
  };
}

/** Runs `mlinfra <args>` to the end. */
export function mlinfraProcess(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<Result> {
  return startMlinfra(args, options).result;
}
