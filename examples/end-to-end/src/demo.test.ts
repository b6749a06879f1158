import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '@mlinfra/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from './demo.js';

const exampleRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function runMain(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: exampleRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('end-to-end demo (quick setting)', () => {
  let folder: string;
  let home: string;
  let out: string;
  let summary: DemoSummary;
  let stderr: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-demo-test-'));
    home = join(folder, 'home');
    out = join(folder, 'out');
    const result = await runMain(['--json', '--home', home, '--out', out], {
      MLINFRA_DEMO_QUICK: '1',
    });
    stderr = result.stderr;
    if (result.code !== 0) throw new Error(`demo exited ${result.code}:\n${result.stderr}`);
    summary = JSON.parse(result.stdout) as DemoSummary;
  }, 170_000);

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('commits two validated versions and rejects the bad commit', () => {
    expect(summary.quick).toBe(true);
    expect(summary.dataset.versions.map((version) => version.rows)).toEqual([731, 1096]);
    expect(summary.dataset.rejectedCommit).toMatch(/weather/);
    expect(
      summary.dataset.trainRows + summary.dataset.validationRows + summary.dataset.testRows,
    ).toBe(1096);
  });

  it('trains on wasm with checkpoints and logs progress', () => {
    expect(summary.training.status).toBe('completed');
    expect(summary.training.backend).toBe('wasm');
    expect(summary.training.steps).toBeGreaterThan(0);
    expect(summary.training.checkpoint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(summary.training.deviceSeconds).toBeGreaterThan(0);
    expect(stderr).toMatch(/epoch +6\/6/);
    expect(stderr).toMatch(/\[7\/7\] Reports/);
  });

  it('registers the model and promotes it to @champion in the registry it leaves behind', async () => {
    expect(summary.model.promoted).toBe(true);
    expect(summary.model.checks.every((check) => check.passed)).toBe(true);
    expect(summary.evaluation.accuracy).toBeGreaterThan(0.4);
    const registry = await openRegistry({ url: join(home, 'registry.db'), store: home });
    try {
      const champion = await registry.resolve('seattle-weather@champion');
      expect(champion.version).toBe(summary.model.version);
      expect(champion.artifact).toBe(summary.model.artifact);
      const lineage = await registry.lineage('seattle-weather', champion.version);
      expect(lineage.datasets).toEqual([summary.dataset.versions[1]!.id]);
    } finally {
      await registry.close();
    }
  });

  it('served every day of the shifted period over HTTP and logged each prediction', async () => {
    expect(summary.serving.failed).toBe(0);
    expect(summary.serving.rows).toBe(122);
    expect(summary.serving.loggedRecords).toBe(122);
    const lines = (await readFile(summary.reports.predictions, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(122);
    const record = JSON.parse(lines[0]!) as { outputs: number[]; model: string };
    expect(record.model).toBe('seattle-weather');
    expect(record.outputs).toHaveLength(5);
  });

  it('finds the summer drift and writes the HTML reports with charts', async () => {
    expect(summary.drift.datasetDrift).toBe(true);
    expect(summary.drift.driftedColumns).toContain('temp_max');
    const drift = await readFile(join(out, 'drift-report.html'), 'utf8');
    expect(drift).toContain('<svg');
    expect(drift).toContain('temp_max');
    const report = await readFile(join(out, 'report.html'), 'utf8');
    expect(report).toContain('<svg');
    expect(report).toContain('seattle-weather/1');
  });

  it('prints a cost report of what the budget was charged', async () => {
    expect(summary.cost.budgetSpent).toMatch(/USD$/);
    expect(summary.cost.budgetSpent).not.toBe('0 USD');
    expect(summary.cost.budgetStopped).toBe(false);
    expect(await readFile(summary.reports.cost, 'utf8')).toContain('demo/seattle-weather');
    expect(stderr).toMatch(/per 1k predictions|cost\/1k predictions/);
  });
});

describe('end-to-end demo home safety', () => {
  it('refuses to wipe a non-empty folder it did not create', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mlinfra-demo-foreign-'));
    try {
      await writeFile(join(folder, 'precious.txt'), 'keep me');
      const result = await runMain(['--quick', '--home', folder, '--out', join(folder, 'out')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--home/);
      expect(await readFile(join(folder, 'precious.txt'), 'utf8')).toBe('keep me');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
