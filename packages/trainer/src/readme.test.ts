import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The ```ts blocks of the README, in order. */
async function readmeBlocks(): Promise<string[]> {
  const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

describe('README', () => {
  it('has TypeScript examples that compile under tsc --strict (nodenext) against the built package', async () => {
    const entry = join(packageDir, 'dist', 'index.d.ts');
    if (!existsSync(entry)) {
      throw new Error(
        `This test type-checks the README against the built package; build it first: pnpm --filter @mlinfra/trainer build (${entry} is missing)`,
      );
    }
    const blocks = await readmeBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    // Inside the package folder, so `@mlinfra/trainer` resolves to this package (self-reference
    // through its exports) and its dependencies resolve as they would for a user.
    const folder = await mkdtemp(join(packageDir, '.readme-check-'));
    try {
      const files = blocks.map((_, index) => `example-${index}.mts`);
      await Promise.all(
        blocks.map((block, index) => writeFile(join(folder, files[index] as string), block)),
      );
      await writeFile(
        join(folder, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noUncheckedIndexedAccess: true,
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            lib: ['es2022'],
            types: ['node'],
            noEmit: true,
            // tfjs 4.x's own .d.ts files fail strict checks (see the README's TypeScript section).
            skipLibCheck: true,
          },
          files,
        }),
      );
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const result = await promisify(execFile)(process.execPath, [tsc, '-p', folder]).then(
        () => ({ code: 0, output: '' }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? 1,
          output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
        }),
      );
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
