import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, fixtures } from './test-support/bin.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let home: string;
let work: string;

function mlinfra(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { ...process.env, MLINFRA_HOME: home, ...env },
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

/** The URL a running `mlinfra serve` prints once it listens. */
function servingUrl(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
}

async function json<T>(args: string[]): Promise<T> {
  const result = await mlinfra([...args, '--json']);
  if (result.code !== 0)
    throw new Error(`mlinfra ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

describe('mlinfra (the built bin against a temporary MLINFRA_HOME)', () => {
  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'mlinfra-cli-'));
    home = join(work, 'home');
    for (const name of [
      'weather-2012.csv',
      'weather-2013.csv',
      'weather-summer-2015.csv',
      'train-weather.json',
    ]) {
      await copyFile(join(fixtures, name), join(work, name));
    }
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints help, and answers a wrong command line with exit 2 and the fix', async () => {
    const help = await mlinfra(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'datasets commit',
      'train',
      'models promote',
      'runs compare',
      'serve',
      'drift report',
      'cost estimate',
    ]) {
      expect(help.stdout).toContain(command);
    }
    const none = await mlinfra([]);
    expect(none.code).toBe(2);
    const unknown = await mlinfra(['models', 'lst']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('list, show, register, alias, promote, lineage');
    const missing = await mlinfra(['datasets', 'commit', 'weather']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing <file>');
    const badFlag = await mlinfra(['models', 'list', '--limit', 'many']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--limit must be an integer');
    const commandHelp = await mlinfra(['train', '--help']);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toContain('Example config');
  });

  it('reports a missing home or dataset with exit 3 and says where to look', async () => {
    const models = await mlinfra(['models', 'list']);
    expect(models.code).toBe(3);
    expect(models.stderr).toMatch(/--home|MLINFRA_HOME/);
    const asJson = await mlinfra(['datasets', 'log', 'nothing', '--json']);
    expect(asJson.code).toBe(3);
    expect(JSON.parse(asJson.stderr).error.code).toBe('NOT_FOUND');
    const noFile = await mlinfra(['train', 'no-such-config.json']);
    expect(noFile.code).toBe(3);
    expect(noFile.stderr).toContain('No such file');
  });

  it('commits, logs, shows and diffs dataset versions', async () => {
    const first = await json<{ id: string; rowCount: number }>([
      'datasets',
      'commit',
      'weather',
      'weather-2012.csv',
      '-m',
      '2012',
    ]);
    expect(first.rowCount).toBe(366);
    const second = await json<{ id: string; rowCount: number; parent: string }>([
      'datasets',
      'commit',
      'weather',
      'weather-2013.csv',
      '--mode',
      'append',
      '-m',
      '2013',
      '--tag',
      'y2013',
    ]);
    expect(second.rowCount).toBe(731);
    expect(second.parent).toBe(first.id);
    const log = await json<Array<{ id: string }>>(['datasets', 'log', 'weather']);
    expect(log.map((version) => version.id)).toEqual([second.id, first.id]);
    const shown = await mlinfra(['datasets', 'show', 'weather', 'y2013', '--rows', '2']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('tag y2013');
    expect(shown.stdout).toContain('2012-01-01');
    const diff = await json<{ rows: { change: number }; drift: { columnCount: number } | null }>([
      'datasets',
      'diff',
      'weather',
      first.id,
      'y2013',
    ]);
    expect(diff.rows.change).toBe(365);
    expect(diff.drift?.columnCount).toBeGreaterThan(0);
    // A key column (every value distinct) is left out of the drift part of a diff.
    const csv = (from: number) =>
      `id,value\n${Array.from({ length: 50 }, (_, i) => `key-${from + i},${(from + i) % 7}`).join('\n')}\n`;
    await writeFile(join(work, 'keys-1.csv'), csv(0));
    await writeFile(join(work, 'keys-2.csv'), csv(50));
    expect((await mlinfra(['datasets', 'commit', 'keys', 'keys-1.csv'])).code).toBe(0);
    expect(
      (
        await mlinfra([
          'datasets',
          'commit',
          'keys',
          'keys-2.csv',
          '--mode',
          'append',
          '--tag',
          'two',
        ])
      ).code,
    ).toBe(0);
    const keyed = await mlinfra(['datasets', 'diff', 'keys', 'main', 'two']);
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stdout).toContain('key columns skipped: id');
    // Global options may come first.
    const before = await mlinfra(['--home', home, '--json', 'datasets', 'log', 'weather']);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toHaveLength(2);
  });

  it('rejects a commit that fails its expectations with exit 4 and stores nothing', async () => {
    await writeFile(join(work, 'expect.json'), JSON.stringify([{ type: 'rowCount', min: 10_000 }]));
    const result = await mlinfra([
      'datasets',
      'commit',
      'weather',
      'weather-2012.csv',
      '--expect',
      'expect.json',
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/rowCount/);
    const log = await json<unknown[]>(['datasets', 'log', 'weather']);
    expect(log).toHaveLength(2);
  });

  it('rejects an invalid training config with exit 4, naming the field', async () => {
    await writeFile(
      join(work, 'bad.json'),
      JSON.stringify({ dataset: 'weather', label: 'weather', features: {}, epochs: -1 }),
    );
    const result = await mlinfra(['train', 'bad.json']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('epochs');
    expect(result.stderr).toContain('split');
  });

  it('trains from a config file on wasm, logs the run, registers and promotes the model', async () => {
    const result = await mlinfra(['train', 'train-weather.json', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/epoch 3\/3/);
    const summary = JSON.parse(result.stdout) as {
      status: string;
      backend: string;
      registered: { model: string; version: number };
      promotion: { promoted: boolean };
      metrics: { accuracy: number };
    };
    expect(summary.status).toBe('completed');
    expect(summary.backend).toBe('wasm');
    expect(summary.registered).toEqual({ model: 'weather', version: 1 });
    expect(summary.promotion.promoted).toBe(true);
    expect(summary.metrics.accuracy).toBeGreaterThan(0.3);
  });

  it('lists, shows, aliases and traces models; a refused promotion exits 5 and changes nothing', async () => {
    const models = await json<Array<{ name: string; aliases: Record<string, number> }>>([
      'models',
      'list',
    ]);
    expect(models).toEqual([
      expect.objectContaining({ name: 'weather', aliases: { champion: 1 } }),
    ]);
    const shown = await mlinfra(['models', 'show', 'weather@champion']);
    expect(shown.stdout).toContain('weather/1');
    expect(shown.stdout).toContain('accuracy');
    const lineage = await json<{
      datasets: string[];
      inputs: Array<{ dataset: string; rows: number }>;
    }>(['models', 'lineage', 'weather/1']);
    expect(lineage.inputs).toEqual([expect.objectContaining({ dataset: 'weather', rows: 731 })]);
    const refused = await mlinfra([
      'models',
      'promote',
      'weather',
      '1',
      'production',
      '--gate',
      'accuracy>=0.999',
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toContain('FAIL');
    const dryRun = await json<{ promoted: boolean; failures: unknown[] }>([
      'models',
      'promote',
      'weather',
      '1',
      'production',
      '--gate',
      'accuracy>=0.1',
      '--dry-run',
    ]);
    expect(dryRun.failures).toEqual([]);
    expect(dryRun.promoted).toBe(false);
    const alias = await mlinfra(['models', 'alias', 'weather', 'staging', '1']);
    expect(alias.code).toBe(0);
    const after = await json<Array<{ aliases: Record<string, number> }>>(['models', 'list']);
    expect(after[0]!.aliases).toEqual({ champion: 1, staging: 1 });
    const badGate = await mlinfra([
      'models',
      'promote',
      'weather',
      '1',
      'x',
      '--gate',
      'accuracy=0.1',
    ]);
    expect(badGate.code).toBe(2);
  });

  it('lists and compares runs', async () => {
    const runs = await json<Array<{ id: string; status: string; name: string }>>([
      'runs',
      'list',
      '--experiment',
      'weather',
    ]);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('finished');
    const filtered = await json<unknown[]>(['runs', 'list', '--filter', "status = 'failed'"]);
    expect(filtered).toHaveLength(0);
    const compared = await mlinfra(['runs', 'compare', runs[0]!.id, runs[0]!.id]);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toContain('params.learningRate');
  });

  it('registers an ONNX file with input columns and serves name@alias over V2 and /v1', async () => {
    const onnxFixtures = join(fixtures, '..', '..', '..', 'serving', 'src', '__fixtures__', 'onnx');
    await copyFile(join(onnxFixtures, 'mlp.onnx'), join(work, 'mlp.onnx'));
    const reference = JSON.parse(await readFile(join(onnxFixtures, 'mlp.json'), 'utf8')) as {
      inputs: { data: number[] }[];
      outputs: { data: number[] }[];
    };
    const columns = Array.from({ length: 8 }, (_, i) => `f${i}`);
    const register = (mapping: string) => [
      ...['models', 'register', 'onnx-mlp', '--onnx', 'mlp.onnx'],
      ...['--columns', mapping],
    ];
    const bad = await mlinfra(register('features=a,b'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/map it to 8 columns, not 2/);
    const registered = await json<{ version: number; format: string }>([
      ...register(`features=${columns.join(',')}`),
      ...['--alias', 'champion'],
    ]);
    expect(registered).toMatchObject({ version: 1, format: 'onnx' });
    const shown = await mlinfra(['models', 'show', 'onnx-mlp@champion']);
    expect(shown.stdout).toMatch(/bytes, onnx\)/);
    expect(shown.stdout).toContain(`columns   features=${columns.join(',')}`);
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, 'serve', 'onnx-mlp@champion', '--port', '0', '--onnx-threads', '1'],
      { cwd: work, env: { ...process.env, MLINFRA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await servingUrl(child);
      const features = reference.inputs[0]!.data;
      const v2 = await fetch(`${url}/v2/models/onnx-mlp/infer`, {
        method: 'POST',
        body: JSON.stringify({
          inputs: [{ name: 'features', datatype: 'FP32', shape: [5, 8], data: features }],
        }),
      });
      expect(v2.status).toBe(200);
      const inferred = (await v2.json()) as { outputs: { data: number[] }[] };
      const v1 = await fetch(`${url}/v1/models/onnx-mlp:predict`, {
        method: 'POST',
        body: JSON.stringify({
          instances: Array.from({ length: 5 }, (_, row) =>
            Object.fromEntries(columns.map((column, i) => [column, features[row * 8 + i]])),
          ),
        }),
      });
      expect(v1.status).toBe(200);
      const predicted = ((await v1.json()) as { predictions: number[][] }).predictions.flat();
      for (const got of [inferred.outputs[0]!.data, predicted]) {
        got.forEach((value, index) => {
          const expected = reference.outputs[0]!.data[index]!;
          expect(Math.abs(value - expected)).toBeLessThanOrEqual(1e-6 * Math.abs(expected) + 1e-7);
        });
      }
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('serves the champion over HTTP, logs each prediction, drains on SIGTERM; drift report reads the log', async () => {
    const logPath = join(work, 'predictions.jsonl');
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, 'serve', 'weather@champion', '--port', '0', '--backend', 'wasm', '--log', logPath],
      { cwd: work, env: { ...process.env, MLINFRA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await servingUrl(child);
      const lines = (await readFile(join(work, 'weather-summer-2015.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1);
      const instances = lines.map((line) => {
        const [, precipitation, tempMax, tempMin, wind] = line.split(',');
        return {
          precipitation: Number(precipitation),
          temp_max: Number(tempMax),
          temp_min: Number(tempMin),
          wind: Number(wind),
        };
      });
      const response = await fetch(`${url}/v1/models/weather:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances }),
      });
      expect(response.status).toBe(200);
      // The weather model knows its label's classes, so /v1 answers { label, scores } per row.
      const body = (await response.json()) as {
        predictions: { label: string; scores: Record<string, number> }[];
      };
      expect(body.predictions).toHaveLength(122);
      expect(Object.keys(body.predictions[0]!.scores)).toHaveLength(5);
      expect(Object.keys(body.predictions[0]!.scores)).toContain(body.predictions[0]!.label);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const logged = (await readFile(logPath, 'utf8')).trim().split('\n');
    expect(logged).toHaveLength(122);

    const htmlPath = join(work, 'drift.html');
    const report = await mlinfra([
      'drift',
      'report',
      '--reference',
      'dataset:weather@y2013',
      '--current',
      'predictions.jsonl',
      '--html',
      'drift.html',
      '--fail-on-drift',
    ]);
    expect(report.code, report.stderr).toBe(10);
    expect(report.stdout).toMatch(/DRIFT: \d of 4 columns drifted/);
    expect(report.stdout).toMatch(/temp_max +numeric +ks .* yes/);
    expect(await readFile(htmlPath, 'utf8')).toContain('<svg');
    const same = await json<{ datasetDrift: boolean; columns: Array<{ statistic: number }> }>([
      'drift',
      'report',
      '--reference',
      'weather-2013.csv',
      '--current',
      'weather-2013.csv',
      '--columns',
      'temp_max,temp_min',
    ]);
    expect(same.columns.map((column) => column.statistic)).toEqual([0, 0]);
    expect(same.datasetDrift).toBe(false);
  });

  it('estimates costs and reports what the training budget spent', async () => {
    const training = await json<{ kind: string; spot: { cost: { currency: string } } }>([
      'cost',
      'estimate',
      'training',
      '--instance',
      'g5.xlarge',
      '--samples',
      '1000000',
      '--epochs',
      '3',
      '--throughput',
      '2000',
      '--spot-rate',
      '0.1',
    ]);
    expect(training.kind).toBe('training-estimate');
    expect(training.spot.cost.currency).toBe('USD');
    const serving = await mlinfra([
      'cost',
      'estimate',
      'serving',
      '--instance',
      'c6i.xlarge',
      '--qps',
      '100',
      '--throughput-per-replica',
      '40',
    ]);
    expect(serving.code).toBe(0);
    expect(serving.stdout).toMatch(/replicas/);
    const missing = await mlinfra(['cost', 'estimate', 'serving', '--instance', 'c6i.xlarge']);
    expect(missing.code).toBe(2);
    const budget = await json<{ name: string; spent: { micros: number } }>([
      'cost',
      'report',
      'test/weather',
    ]);
    expect(budget.name).toBe('test/weather');
    expect(budget.spent.micros).toBeGreaterThan(0);
    const unknown = await mlinfra(['cost', 'report', 'nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('test/weather');
  });
});
