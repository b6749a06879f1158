import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('.', import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory())
      return name === '__fixtures__' || name === 'test-support' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('portability', () => {
  it('the library imports no node: module and only the node-free part of @mlinfra/core', () => {
    const files = sourceFiles(root);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
        (m) => m[1] as string,
      );
      for (const specifier of imports) {
        expect(specifier, file).not.toMatch(
          /^node:|^(fs|path|os|crypto|stream|buffer|child_process)$/,
        );
        expect(specifier, file).not.toBe('@mlinfra/core');
        expect(specifier, file).not.toBe('apache-arrow');
      }
      expect(text, file).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\./);
    }
  });
});
