import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesRoot = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Source files of a package: everything under src/ except tests and their fixtures. */
async function sourceFiles(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__' && entry.name !== 'test-support') {
        files.push(...(await sourceFiles(path)));
      }
    } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

describe('package architecture', () => {
  it("no source file imports its own package's index (no cycles through the entry point)", async () => {
    const offenders: string[] = [];
    for (const name of await readdir(packagesRoot)) {
      const src = join(packagesRoot, name, 'src');
      const entry = resolve(src, 'index.ts');
      const files = await sourceFiles(src).catch(() => [] as string[]);
      for (const file of files) {
        if (file === entry) continue;
        const text = await readFile(file, 'utf8');
        for (const match of text.matchAll(IMPORT)) {
          const target = resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts');
          if (target === entry) offenders.push(`${file.slice(packagesRoot.length)} -> ${match[1]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
