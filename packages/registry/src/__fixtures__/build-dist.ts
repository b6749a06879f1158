// Vitest global setup: child-process tests import the built package (Node 20 cannot run
// TypeScript directly), so rebuild dist/ when any source file is newer than it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '@mlinfra/test-servers/built-dist';

export default function setup(): void {
  ensureBuilt(join(dirname(fileURLToPath(import.meta.url)), '..', '..'), '@mlinfra/registry');
}
