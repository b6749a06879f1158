import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@mlinfra/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startMlinfra } from '../test-support/bin.js';

/** `mlinfra ui` on a free port, and the URL it prints (rejects with its output if it exits first). */
function start(home: string, args: string[]): { child: ChildProcess; url: Promise<string> } {
  ensureBuilt();
  const running = startMlinfra(['ui', '--port', '0', '--home', home, ...args], {
    cwd: tmpdir(),
    env: process.env,
  });
  const url = running.outputMatches(/at (http:\/\/127\.0\.0\.1:\d+)/).then((match) => match[1]!);
  return { child: running.child, url };
}

describe('mlinfra ui', () => {
  let home: string;
  let runId: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mlinfra-cli-ui-'));
    const registry = await openRegistry({ url: join(home, 'registry.db'), store: home });
    const run = await registry.startRun({
      experiment: 'cli',
      name: 'from-the-cli',
      params: { lr: 0.1 },
    });
    await run.logMetrics({ loss: 0.5 }, { step: 0 });
    await run.end();
    runId = run.id;
    const version = await registry.registerModel('m', {
      run,
      artifact: new TextEncoder().encode('w'),
    });
    await registry.setAlias('m', 'champion', version.version);
    await registry.close();
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('serves the home read-only, answers 404 pages for unknown runs, and stops with exit 0 on SIGTERM', async () => {
    const { child, url } = start(home, []);
    try {
      const base = await url;
      const runs = await (await fetch(`${base}/runs`)).text();
      expect(runs).toContain('from-the-cli');
      expect((await fetch(`${base}/runs/${runId}`)).status).toBe(200);
      expect((await fetch(`${base}/runs/unknown`)).status).toBe(404);
      const refused = await fetch(`${base}/models/m/aliases`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'alias=x&version=1',
      });
      expect(refused.status).toBe(403);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('allows changes with --token, recorded in the registry, and shows --gates results', async () => {
    const token = 'cli-token-0123456789abcdef';
    const gatesPath = join(home, 'gates.json');
    await writeFile(gatesPath, JSON.stringify({ m: { champion: [{ metric: 'auc', min: 0.9 }] } }));
    const { child, url } = start(home, ['--token', token, '--gates', gatesPath]);
    try {
      const base = await url;
      const response = await fetch(`${base}/models/m/aliases`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'alias=staging&version=1',
      });
      expect(response.status).toBe(303);
      const version = await (await fetch(`${base}/models/m/versions/1`)).text();
      expect(version).toContain('@champion');
      expect(version).toContain('Promote to @champion through its gates');
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      const registry = await openRegistry({ url: join(home, 'registry.db'), store: home });
      expect((await registry.resolve('m@staging')).version).toBe(1);
      await registry.close();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a --gates file that is not JSON or holds a malformed gate', async () => {
    const bad = join(home, 'bad-gates.json');
    await writeFile(bad, '{ not json');
    await expect(start(home, ['--gates', bad]).url).rejects.toThrow(
      /--gates .* is not a readable JSON file/,
    );
    await writeFile(bad, JSON.stringify({ m: { champion: [{ metric: 'auc', minimum: 0.9 }] } }));
    await expect(start(home, ['--gates', bad]).url).rejects.toThrow(/minimum/);
  });

  it('fails with a message naming --home when there is no home', async () => {
    const { url } = start(join(home, 'missing'), []);
    await expect(url).rejects.toThrow(/No mlinfra home/);
  });
});
