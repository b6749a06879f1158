// Packs what the GPU check needs into benchmarks/trainer/gpu/.payload/ (at most 64 MiB, the most a
// device call carries): this machine's Node binary (xz), webgpu.bench.ts compiled to plain JS, only
// the node_modules files it opens (found by running it here under strace, on SwiftShader) with the
// pnpm symlinks that resolve them, and Debian's Vulkan loader (libvulkan1 .deb).
//   node benchmarks/trainer/gpu/pack.mjs      (needs xz, strace, apt-get; builds nothing else)
// Then on the GPU machine: bash benchmarks/trainer/gpu/run.sh  (carry benchmarks/trainer/gpu/.payload)
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const payload = join(here, '.payload');
const LIMIT = 64 * 1024 * 1024;
const sh = (command, args, options = {}) =>
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });

rmSync(payload, { recursive: true, force: true });
mkdirSync(payload, { recursive: true });

// 1. The benchmark as one plain JS file next to the .ts, so it resolves packages as the .ts does.
const requireFromTsup = createRequire(createRequire(join(root, 'package.json')).resolve('tsup'));
const esbuild = requireFromTsup('esbuild');
const benchTs = join(root, 'benchmarks', 'trainer', 'webgpu.bench.ts');
const benchJs = join(root, 'benchmarks', 'trainer', 'gpu', '.payload', 'webgpu.bench.mjs');
// Local modules (./result-line.ts) are inlined; packages stay imports, resolved from node_modules.
const built = esbuild.buildSync({
  entryPoints: [benchTs],
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  write: false,
});
const code = built.outputFiles[0].text;
writeFileSync(benchJs, code);
// It must sit in benchmarks/trainer/ to resolve @mlinfra/* the same way; run.sh copies it there.
const runFrom = join(root, 'benchmarks', 'trainer', 'webgpu.bench.gpu.mjs');
writeFileSync(runFrom, code);

// 2. Which files under the repository does a (short) run open? strace -f follows the process.
const trace = join(tmpdir(), `mlinfra-gpu-pack-${process.pid}.strace`);
const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!existsSync(icd)) {
  throw new Error(`The trace run needs SwiftShader (${icd}): apt-get install -y chromium`);
}
try {
  sh(
    'strace',
    ['-f', '-qq', '-e', 'trace=open,openat,execve', '-o', trace, process.execPath, runFrom],
    {
      cwd: join(root, 'benchmarks'),
      env: {
        ...process.env,
        VK_ICD_FILENAMES: icd,
        LD_LIBRARY_PATH: '/usr/lib/chromium',
        XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(),
        BENCH_ROWS: '512',
        BENCH_BATCHES: '256',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
} catch (error) {
  rmSync(trace, { force: true });
  throw error;
} finally {
  rmSync(runFrom, { force: true });
}
const opened = new Set();
for (const line of readFileSync(trace, 'utf8').split('\n')) {
  const match = /(?:open|openat|execve)\((?:AT_FDCWD, )?"([^"]+)"/.exec(line);
  if (match === null || /= -1 /.test(line)) continue;
  const given = resolve(join(root, 'benchmarks'), match[1]);
  if (!existsSync(given) || !statSync(given).isFile()) continue;
  // Pack real paths only (pnpm's links are packed as links, below).
  const path = realpathSync(given);
  if (path.startsWith(root + sep)) opened.add(path);
}
rmSync(trace, { force: true });

// 3. Every opened file, the package.json of its package, and every symlink Node may walk through.
const files = new Set();
const packageRoots = new Set();
for (const path of opened) {
  if (path.startsWith(payload)) continue;
  files.add(path);
  for (let folder = dirname(path); folder.startsWith(root); folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      files.add(manifest);
      packageRoots.add(folder);
      if (!folder.includes(`${sep}node_modules${sep}`)) break;
    }
  }
}
const links = new Set();
function addLinks(folder) {
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) links.add(path);
    else if (entry.startsWith('@') && stat.isDirectory()) addLinks(path);
  }
}
addLinks(join(root, 'node_modules'));
addLinks(join(root, 'node_modules', '.pnpm', 'node_modules')); // pnpm's hoisted undeclared deps
for (const area of [
  'benchmarks',
  ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}`),
])
  addLinks(join(root, area, 'node_modules'));
for (const folder of packageRoots) {
  // pnpm: .pnpm/<id>/node_modules/<name> holds the package; its dependencies are links beside it.
  const match = folder.match(/^(.*\/node_modules\/\.pnpm\/[^/]+\/node_modules)\//);
  if (match !== null) addLinks(match[1]);
}
// Links whose target is not packed would only dangle; keep those into packed packages.
const packed = [...packageRoots];
const keptLinks = [...links].filter((link) => {
  const target = realpathSync(link);
  return (
    packed.some((folder) => folder === target || target.startsWith(folder + sep)) ||
    packed.some((folder) => folder.startsWith(target + sep))
  );
});
const list = join(tmpdir(), `mlinfra-gpu-pack-${process.pid}.list`);
writeFileSync(
  list,
  [...files, ...keptLinks]
    .map((path) => relative(root, path))
    .sort()
    .join('\n'),
);
// pnpm hard-links files from its store: store each as a file, never as a link to another path.
sh('tar', [
  '-cJf',
  join(payload, 'modules.tar.xz'),
  '--no-recursion',
  '--hard-dereference',
  '-C',
  root,
  '-T',
  list,
]);
rmSync(list, { force: true });

// 4. Node and the Vulkan loader.
writeFileSync(
  join(payload, 'node.xz'),
  sh('xz', ['-9', '-T0', '-c', process.execPath], { maxBuffer: 1 << 30 }),
);
sh('apt-get', ['download', 'libvulkan1'], { cwd: payload });

let total = 0;
for (const name of readdirSync(payload)) {
  const size = statSync(join(payload, name)).size;
  total += size;
  console.log(`  ${name.padEnd(40)} ${(size / 1048576).toFixed(1)} MiB`);
}
console.log(
  `payload ${(total / 1048576).toFixed(1)} MiB of ${LIMIT / 1048576} MiB (${files.size} files, ${keptLinks.length} links, node ${process.version})`,
);
if (total > LIMIT) {
  console.error('The payload is over the 64 MiB a device call carries.');
  process.exitCode = 1;
}
