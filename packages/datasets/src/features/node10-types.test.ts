import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(packageRoot, 'package.json'));

describe('@mlinfra/datasets/features types', () => {
  it('resolve under moduleResolution node10 (typesVersions) with real types, not any (built package)', async () => {
    if (!existsSync(join(packageRoot, 'dist', 'features.d.cts'))) {
      throw new Error(
        'Build @mlinfra/datasets first (pnpm --filter @mlinfra/datasets build): this test compiles against dist/',
      );
    }
    const project = await mkdtemp(join(tmpdir(), 'datasets-node10-'));
    const modules = join(project, 'node_modules');
    await mkdir(join(modules, '@mlinfra'), { recursive: true });
    await symlink(packageRoot, join(modules, '@mlinfra', 'datasets'), 'dir');
    const core = await realpath(dirname(require.resolve('@mlinfra/core/package.json')));
    await symlink(core, join(modules, '@mlinfra', 'core'), 'dir');
    await writeFile(
      join(project, 'main.ts'),
      [
        "import { FeatureTransform } from '@mlinfra/datasets/features';",
        'const transform: FeatureTransform = FeatureTransform.fromJSON({});',
        '// @ts-expect-error: a FeatureTransform is not a number (fails if the import were any)',
        'const wrong: number = transform;',
        'export { wrong };',
        '',
      ].join('\n'),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const run = await promisify(execFile)(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node10',
        '--types',
        'node',
        '--typeRoots',
        join(packageRoot, 'node_modules', '@types'),
        join(project, 'main.ts'),
      ],
      { cwd: project },
    ).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
  });
});
