import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('multi-host example', () => {
  it('a run killed on one host resumes on another bit-identically, is served from a third that swaps versions under load, and the budget adds up', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      maxBuffer: 1 << 22,
    });
    expect(stdout).toMatch(/host A {2}trained to step 12, charged 12 steps, then SIGKILL/);
    expect(stdout).toMatch(/host B {2}resumed run-1 from the shared checkpoint at step 10/);
    expect(stdout).toMatch(/host B {2}registered points\/1 as @champion/);
    expect(stdout).toMatch(/host C answered \d+ by v1, \d+ by v2, 0 failed: yes/);
    expect(stdout).toContain('resumed weights bit-identical to the uninterrupted run: yes');
    expect(stdout).toMatch(/budget run-1 spent [\d.]+ USD = \(12 \+ \d+\) steps x 0\.01: yes/);
    expect(stdout).not.toContain('FAILED');
    // The database password never reaches the output.
    expect(stdout).toMatch(/postgres:\/\/mlinfra:\*\*\*@/);
  }, 300_000);
});
