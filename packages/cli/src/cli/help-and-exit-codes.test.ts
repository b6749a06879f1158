import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { openRegistry } from '@mlinfra/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../test-support/bin.js';
import { COMMANDS, run } from './run.js';

let work: string;

async function mlinfra(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { MLINFRA_HOME: join(work, 'home') },
    cwd: work,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlinfra-help-'));
  await copyFile(join(fixtures, 'weather-2012.csv'), join(work, 'weather.csv'));
});

describe('help', () => {
  it('every command has its own help with an example of itself', async () => {
    for (const command of COMMANDS) {
      const words = command.path.join(' ');
      const result = await mlinfra([...command.path, '--help']);
      expect(result.code, words).toBe(0);
      expect(result.stdout, words).toContain(`Usage: mlinfra ${words}`);
      expect(result.stdout, `${words} has no example`).toMatch(
        new RegExp(`^\\s+mlinfra ${words}( |$)`, 'm'),
      );
      const viaHelp = await mlinfra(['help', ...command.path]);
      expect(viaHelp.stdout).toBe(result.stdout);
    }
  });

  it('every command group has a help listing its commands, and mlinfra help is the overview', async () => {
    const groups = [...new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => c.path[0]!))];
    for (const group of groups) {
      const result = await mlinfra([group, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: mlinfra ${group} <command>`);
      for (const command of COMMANDS.filter((c) => c.path[0] === group)) {
        expect(result.stdout).toContain(command.path.join(' '));
      }
    }
    const overview = await mlinfra(['help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('Usage: mlinfra <command>');
  });
});

describe('exit codes', () => {
  it('every exit code the README documents is the one the command returns', async () => {
    const readme = await readFile(join(fixtures, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'));
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((match) => Number(match[1]));
    const home = join(work, 'home');

    const seen = new Map<number, string>();
    const expectCode = async (code: number, args: string[]) => {
      const result = await mlinfra(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
      expect(result.stderr).not.toMatch(/\w\(\)|\w\("[^"]*"/);
      seen.set(code, args.join(' '));
      return result;
    };
    await expectCode(0, ['datasets', 'commit', 'weather', 'weather.csv']);
    await mkdir(join(work, 'folder.json'));
    await expectCode(1, ['train', 'folder.json']);
    await expectCode(2, ['datasets', 'commit', '--no-such-option']);
    await expectCode(3, ['datasets', 'commit', 'weather', 'missing.csv']);
    await expectCode(3, ['datasets', 'show', 'weather', 'no-such-tag']);
    await writeFile(join(work, 'bad.json'), JSON.stringify({ dataset: 1 }));
    const invalid = await expectCode(4, ['train', 'bad.json']);
    expect(invalid.stderr.match(/dataset:/g)).toHaveLength(1);

    const registry = await openRegistry({
      url: join(home, 'registry.db'),
      store: createStore(home),
    });
    await registry.registerModel('m', {
      artifact: new TextEncoder().encode('model'),
      metrics: { accuracy: 0.5 },
    });
    await registry.close();
    await expectCode(3, ['models', 'show', 'nosuch']);
    await expectCode(5, ['models', 'promote', 'm', '1', 'champion', '--gate', 'accuracy>=0.9']);

    const config = {
      dataset: 'weather',
      label: 'weather',
      features: { wind: 'standardize' },
      split: { key: 'date' },
      epochs: 1,
      backend: 'cpu',
    };
    await writeFile(
      join(work, 'spent.json'),
      JSON.stringify({ ...config, budget: { name: 'zero', limit: 0, instance: 'c6i.xlarge' } }),
    );
    await expectCode(6, ['train', 'spent.json']);
    await writeFile(join(work, 'tf.json'), JSON.stringify({ ...config, backend: 'tensorflow' }));
    await expectCode(7, ['train', 'tf.json']);
    const rows = (temperature: (day: number) => number) =>
      ['day,temp', ...Array.from({ length: 200 }, (_, day) => `${day},${temperature(day)}`)].join(
        '\n',
      );
    await writeFile(
      join(work, 'reference.csv'),
      rows((day) => 10 + (day % 7)),
    );
    await writeFile(
      join(work, 'current.csv'),
      rows((day) => 30 + (day % 7)),
    );
    await expectCode(10, [
      'drift',
      'report',
      '--reference',
      'reference.csv',
      '--current',
      'current.csv',
      '--columns',
      'temp',
      '--fail-on-drift',
    ]);

    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(documented);
  });
});

describe('who did something', () => {
  it('is the same actor on a dataset commit and in the registry (MLINFRA_ACTOR, else the OS user)', async () => {
    const saved = process.env.MLINFRA_ACTOR;
    process.env.MLINFRA_ACTOR = 'ci-bot';
    try {
      const committed = await mlinfra(['datasets', 'commit', 'actors', 'weather.csv', '--json']);
      expect(committed.code, committed.stderr).toBe(0);
      expect(JSON.parse(committed.stdout).author).toBe('ci-bot');
      const home = join(work, 'home');
      const registry = await openRegistry({
        url: join(home, 'registry.db'),
        store: createStore(home),
      });
      const run = await registry.startRun({ experiment: 'actors' });
      const page = await registry.searchRuns({ experiment: 'actors' });
      expect(page.runs.map((record) => [record.id, record.createdBy])).toEqual([
        [run.id, 'ci-bot'],
      ]);
      await registry.close();
    } finally {
      if (saved === undefined) delete process.env.MLINFRA_ACTOR;
      else process.env.MLINFRA_ACTOR = saved;
    }
  });
});
