import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt as ensureBuiltPackage } from '@mlinfra/test-servers/built-dist';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built `mlinfra` bin. */
export const bin = join(packageRoot, 'dist', 'bin.js');

/** The CLI's test fixtures folder. */
export const fixtures = join(packageRoot, 'src', '__fixtures__');

/** Builds the CLI when dist is missing or older than its sources. */
export function ensureBuilt(): void {
  ensureBuiltPackage(packageRoot, '@mlinfra/cli', 'dist/bin.js');
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
