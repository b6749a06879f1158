import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { blocksOf, type ReadmeBlock, readmeBlocks } from './readme-blocks.js';

// Every ```ts block of every published package's README is a program a user may paste into a
// `.mts` file: each one is type-checked here (in two TypeScript programs, see LOADS_TFJS) under
// the settings a strict user has (strict, noUncheckedIndexedAccess, nodenext) against the built
// packages, so a README cannot drift from the API. A block that is deliberately a fragment uses
// another fence (```ts fragment) and the README says why; it is not compiled.

const testsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repository = join(testsDir, '..', '..');
const packagesDir = join(repository, 'packages');
const BUILD = 'pnpm turbo run build';
/**
 * Blocks that load tfjs's types (they import tfjs or the trainer). tfjs 4.x's own declaration
 * files fail strict checks and its backends' need lib.dom, so these are checked as the trainer
 * README tells users to (skipLibCheck); every other block is checked with every declaration file
 * it loads, ours included, so our other packages must neither pull tfjs in nor need skipLibCheck.
 */
const LOADS_TFJS = /from '(@tensorflow\/|@mlinfra\/trainer)/;

interface Published {
  name: string;
  folder: string;
  readme: string;
}

async function publishedPackages(): Promise<Published[]> {
  const found: Published[] = [];
  for (const entry of await readdir(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = join(packagesDir, entry.name);
    const manifestPath = join(folder, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      name: string;
      private?: boolean;
    };
    if (manifest.private === true) continue;
    found.push({ name: manifest.name, folder, readme: join(folder, 'README.md') });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The prose between the heading above line `line` (1-based) and that line. */
function introAbove(text: string, line: number): string {
  const lines = text.split('\n');
  let start = line - 1;
  while (start > 0 && !(lines[start - 1] as string).startsWith('#')) start--;
  return lines.slice(start, line - 1).join('\n');
}

/** Type-checks `files` as one program under a strict user's settings; returns the errors. */
function typeCheck(files: string[], folder: string, skipLibCheck: boolean): ts.Diagnostic[] {
  if (files.length === 0) return [];
  const config = ts.parseJsonConfigFileContent(
    {
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022', 'esnext.disposable'],
        types: ['node'],
        noEmit: true,
        skipLibCheck,
      },
      files,
    },
    ts.sys,
    folder,
  );
  if (config.errors.length > 0) return config.errors;
  return [...ts.getPreEmitDiagnostics(ts.createProgram(config.fileNames, config.options))];
}

describe('README examples', async () => {
  const packages = await publishedPackages();

  it('finds every published package and its README', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        '@mlinfra/cli',
        '@mlinfra/core',
        '@mlinfra/cost',
        '@mlinfra/datasets',
        '@mlinfra/drift',
        '@mlinfra/registry',
        '@mlinfra/serving',
        '@mlinfra/trainer',
        '@mlinfra/ui',
      ]),
    );
    for (const p of packages) {
      expect(existsSync(p.readme), `${relative(repository, p.readme)} is missing`).toBe(true);
    }
  });

  it.each(packages.map((p) => [p.name, p] as const))(
    '%s README says how to run its first TypeScript example (.mts or "type": "module")',
    async (_name, p) => {
      const text = await readFile(p.readme, 'utf8');
      const [first] = blocksOf(p.readme, text);
      if (first === undefined) {
        throw new Error(`${relative(repository, p.readme)} has no \`\`\`ts example`);
      }
      // first.line is the first code line; the fence is the line above it.
      expect(
        introAbove(text, first.line - 1),
        `${relative(repository, p.readme)}: the text above the first \`\`\`ts block must say how to run it (save as .mts, or "type": "module": the examples use top-level await)`,
      ).toMatch(/\.mts|"type": "module"/);
    },
  );

  it('compiles every ```ts block under tsc --strict (nodenext) against the built packages', async () => {
    const missing = packages.filter((p) => !existsSync(join(p.folder, 'dist', 'index.d.ts')));
    if (missing.length > 0) {
      throw new Error(
        `README examples are type-checked against the built packages; build them first: ${BUILD} (missing: ${missing
          .map((p) => relative(repository, join(p.folder, 'dist', 'index.d.ts')))
          .join(', ')})`,
      );
    }
    const unresolvable = packages.filter(
      (p) => !existsSync(join(testsDir, 'node_modules', ...p.name.split('/'), 'package.json')),
    );
    if (unresolvable.length > 0) {
      throw new Error(
        `${unresolvable.map((p) => p.name).join(', ')} must be dependencies ("workspace:*") of packages/integration-tests so its README examples resolve; add them and run pnpm install`,
      );
    }

    const blocks: ReadmeBlock[] = [];
    for (const p of packages) blocks.push(...(await readmeBlocks(p.readme)));
    expect(blocks.length).toBeGreaterThanOrEqual(packages.length);

    // Inside this package, so the examples resolve @mlinfra/* and tfjs through its dependencies,
    // as a user's app resolves them through its own.
    const folder = await mkdtemp(join(testsDir, '.readme-examples-'));
    try {
      const files = new Map<string, ReadmeBlock>();
      await Promise.all(
        blocks.map(async (block, index) => {
          const name = `${relative(packagesDir, block.readme).split(/[\\/]/)[0]}-${index}.mts`;
          files.set(join(folder, name), block);
          await writeFile(join(folder, name), `${block.code}\n`);
        }),
      );
      const all = [...files.keys()];
      const tfjs = all.filter((file) => LOADS_TFJS.test((files.get(file) as ReadmeBlock).code));
      const problems = [
        ...typeCheck(
          all.filter((file) => !tfjs.includes(file)),
          folder,
          false,
        ),
        ...typeCheck(tfjs, folder, true),
      ].map((diagnostic) => {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        const file = diagnostic.file;
        const block = file === undefined ? undefined : files.get(file.fileName);
        if (file === undefined || diagnostic.start === undefined) {
          return `TS${diagnostic.code}: ${message}`;
        }
        const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start);
        if (block === undefined) {
          return `${file.fileName}:${line + 1}:${character + 1} TS${diagnostic.code}: ${message}`;
        }
        return `${relative(repository, block.readme)}:${block.line + line}:${character + 1} (the \`\`\`ts block starting on line ${block.line}) TS${diagnostic.code}: ${message}`;
      });
      if (problems.length > 0) {
        throw new Error(
          `README TypeScript blocks that do not compile (fix the README, or fence a deliberate fragment as \`\`\`ts fragment and say why):\n${problems.join('\n')}`,
        );
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
