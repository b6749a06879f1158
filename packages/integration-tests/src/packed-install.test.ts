import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks } from './readme-blocks.js';

// A new user's install: the packages packed as npm would publish them (`pnpm pack`), installed with
// plain npm from the registry into an app that already depends on another supported tfjs version
// than the one this repository develops with (4.22.0). One tfjs must end up in the app, and the
// README examples must run without tfjs's duplicate-registration warnings.

// The floor of the trainer's peer range (^4.20.0); 4.21.0 passed as well, the repository develops on 4.22.0.
const APP_TFJS = '4.20.0';
const PACKED = ['core', 'drift', 'datasets', 'trainer', 'serving'];
const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** What tfjs prints when a second copy registers its kernels, backends or platform again. */
const DUPLICATE_TFJS = /already registered|already been set|already been registered/i;

interface Outcome {
  code: number | null;
  output: string;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 300_000,
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function mustRun(
  command: string,
  args: readonly string[],
  cwd: string,
  hint = '',
): Promise<string> {
  const outcome = await run(command, args, cwd);
  if (outcome.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${outcome.code}${hint}:\n${outcome.output.slice(-4000)}`,
    );
  }
  return outcome.output;
}

/** The ```ts blocks of a README, as JavaScript modules (types stripped by TypeScript). */
async function readmeExamples(readme: string): Promise<string[]> {
  return (await readmeBlocks(readme)).map(
    (block) =>
      ts.transpileModule(block.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText,
  );
}

/** Every installed copy of a package under `root`'s node_modules (nested ones included). */
async function copiesOf(root: string, name: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(modules: string): Promise<void> {
    if (!existsSync(modules)) return;
    for (const entry of await readdir(modules, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const scoped = entry.name.startsWith('@');
      const packages = scoped
        ? (await readdir(join(modules, entry.name), { withFileTypes: true }))
            .filter((child) => child.isDirectory())
            .map((child) => join(modules, entry.name, child.name))
        : [join(modules, entry.name)];
      for (const folder of packages) {
        const manifest = join(folder, 'package.json');
        if (existsSync(manifest)) {
          const { name: packageName, version } = JSON.parse(await readFile(manifest, 'utf8'));
          if (packageName === name) found.push(`${folder}@${version}`);
        }
        await walk(join(folder, 'node_modules'));
      }
    }
  }
  await walk(join(root, 'node_modules'));
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited early:\n${log()}`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} was not ready within 60 s:\n${log()}`);
}

describe('packed packages installed with npm next to another tfjs', () => {
  let folder: string;
  let app: string;

  beforeAll(async () => {
    for (const name of PACKED) {
      const entry = join(repository, 'packages', name, 'dist', 'index.js');
      if (!existsSync(entry)) {
        throw new Error(
          `This test packs the built packages; build them first: pnpm --filter "@mlinfra/{${PACKED.join(',')}}" build (${entry} is missing)`,
        );
      }
    }
    const npm = await run('npm', ['--version'], repository);
    if (npm.code !== 0) throw new Error('This test needs npm on PATH (it ships with Node.js)');
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-packed-'));
    const tarballs = join(folder, 'tarballs');
    await mkdir(tarballs);
    for (const name of PACKED) {
      await mustRun(
        'pnpm',
        ['pack', '--pack-destination', tarballs],
        join(repository, 'packages', name),
        ' (pnpm packs the workspace packages as npm would publish them; install pnpm)',
      );
    }
    app = join(folder, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'existing-service', private: true, type: 'module' }, null, 2),
    );
    // The app already has tfjs (and its wasm backend) at a version other than ours.
    await mustRun(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        `@tensorflow/tfjs@${APP_TFJS}`,
        `@tensorflow/tfjs-backend-wasm@${APP_TFJS}`,
      ],
      app,
      ' (this test installs from the npm registry; check the network or npm_config_registry)',
    );
    const packed = (await readdir(tarballs)).map((file) => join(tarballs, file));
    expect(packed).toHaveLength(PACKED.length);
    await mustRun(
      'npm',
      ['install', '--no-audit', '--no-fund', ...packed],
      app,
      ' (an ERESOLVE here means a peer range of a packed package conflicts with the app)',
    );
  }, 600_000);

  afterAll(async () => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('keeps the one tfjs the app has', async () => {
    for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']) {
      const copies = await copiesOf(app, name);
      expect(copies, name).toHaveLength(1);
      expect(copies[0], name).toMatch(new RegExp(`@${APP_TFJS.replaceAll('.', '\\.')}$`));
    }
    const manifest = JSON.parse(
      await readFile(join(app, 'node_modules', '@mlinfra', 'trainer', 'package.json'), 'utf8'),
    );
    expect(manifest.dependencies?.['@tensorflow/tfjs']).toBeUndefined();
    expect(manifest.peerDependencies?.['@tensorflow/tfjs']).toMatch(/^\^4\./);
  });

  it("runs the trainer README's examples without duplicate-kernel warnings, and serves the artifact", async () => {
    const examples = await readmeExamples(join(repository, 'packages', 'trainer', 'README.md'));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const first = examples[0] as string;
    // The first example defines the artifact `id`; print it so the serving step can load it.
    await writeFile(join(app, 'train.mjs'), `${first}\nconsole.log('ARTIFACT=' + id);\n`);
    const trained = await run(process.execPath, ['train.mjs'], app);
    expect(trained.output).not.toMatch(DUPLICATE_TFJS);
    expect(trained.code, trained.output).toBe(0);
    expect(trained.output).toMatch(/(completed|early-stopped) wasm/);
    const artifact = /ARTIFACT=(sha256:[0-9a-f]{64})/.exec(trained.output)?.[1];
    expect(artifact, trained.output).toBeDefined();

    // Run twice, as the README says: the second run resumes from the checkpoint.
    const again = await run(process.execPath, ['train.mjs'], app);
    expect(again.code, again.output).toBe(0);
    expect(again.output).not.toMatch(DUPLICATE_TFJS);

    // The example with @mlinfra/datasets (the README also shows a webgpu one, which needs a GPU).
    const churnExample = examples.find((example) => example.includes('@mlinfra/datasets'));
    expect(churnExample).toBeDefined();
    await writeFile(join(app, 'churn.mjs'), churnExample as string);
    const churn = await run(process.execPath, ['churn.mjs'], app);
    expect(churn.output).not.toMatch(DUPLICATE_TFJS);
    expect(churn.code, churn.output).toBe(0);
    expect(churn.output).toContain("[ 'no', 'yes' ]");

    // Serving loads the trainer's artifact with the app's tfjs (this crashed with a second copy).
    await writeFile(
      join(app, 'serve.mjs'),
      `import { createStore } from '@mlinfra/core';
import { createServer } from '@mlinfra/serving';
const server = createServer({ store: createStore('./.mlinfra'), models: [{ name: 'demo', path: process.argv[2] }] });
const { port } = await server.listen(0);
await server.ready();
const response = await fetch('http://127.0.0.1:' + port + '/v1/models/demo:predict', {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ instances: [{ a: 0.5, b: -0.2 }, { a: -1, b: 1 }] }),
});
console.log('STATUS=' + response.status, 'BODY=' + (await response.text()));
await server.close();
`,
    );
    const served = await run(process.execPath, ['serve.mjs', artifact as string], app);
    expect(served.output).not.toMatch(DUPLICATE_TFJS);
    expect(served.code, served.output).toBe(0);
    expect(served.output).toContain('STATUS=200');
    const body = JSON.parse(/BODY=(.*)/.exec(served.output)?.[1] ?? '{}');
    expect(body.predictions).toHaveLength(2);
  }, 300_000);

  it("runs the serving README's first example: ready, answers V2 infer, exits 0 on SIGTERM", async () => {
    const [first] = await readmeExamples(join(repository, 'packages', 'serving', 'README.md'));
    expect(first).toContain('listen(8080)');
    const port = await freePort();
    await writeFile(join(app, 'serve-readme.mjs'), (first as string).replace('8080', String(port)));
    const child = spawn(process.execPath, ['serve-readme.mjs'], { cwd: app });
    let log = '';
    child.stdout.on('data', (chunk) => {
      log += chunk;
    });
    child.stderr.on('data', (chunk) => {
      log += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(`http://127.0.0.1:${port}/v2/health/ready`, child, () => log);
      const response = await fetch(`http://127.0.0.1:${port}/v2/models/double/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }],
        }),
      });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { outputs: Array<{ data: number[] }> };
      expect(answer.outputs[0]?.data).toEqual([6]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(log).not.toMatch(DUPLICATE_TFJS);
  }, 120_000);
});
