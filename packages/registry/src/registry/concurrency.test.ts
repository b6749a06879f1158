import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backend, freshDatabase } from '../__fixtures__/test-database.js';
import { openRegistry } from '../index.js';

const worker = fileURLToPath(new URL('../__fixtures__/register-worker.mjs', import.meta.url));
let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'mlinfra-registry-concurrency-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function start(url: string, model: string, count: number, payloadBytes = 16): ChildProcess {
  return spawn(
    process.execPath,
    [worker, url, model, String(count), String(payloadBytes), folder],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
}

/** Resolves once the child printed `lines` lines that start with "registered". */
function registered(child: ChildProcess, lines: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk
        .toString()
        .split('\n')
        .filter((line) => line.startsWith('registered')).length;
      if (seen >= lines) resolve();
    });
  });
}

/** SQLite: the file passes its integrity check and stayed in WAL mode (PostgreSQL checks itself). */
function assertSqliteHealthy(path: string): void {
  if (backend !== 'sqlite') return;
  const database = new Database(path, { readonly: true });
  try {
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
  } finally {
    database.close();
  }
}

describe('concurrent registration', () => {
  it('gives exactly versions 1..400 to 4 processes x 100 registrations, with a complete audit log', async () => {
    const url = await freshDatabase(folder);
    // The four workers also race to create the database and its schema.
    const children = Array.from({ length: 4 }, () => start(url, 'shared', 100));
    const results = await Promise.all(children.map(finished));
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
    const registry = await openRegistry({ url, store: folder });

    const versions: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = await registry.listVersions('shared', {
        order: 'asc',
        limit: 1000,
        ...(pageToken ? { pageToken } : {}),
      });
      versions.push(...page.versions.map((version) => version.version));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(versions).toEqual(Array.from({ length: 400 }, (_, index) => index + 1));
    expect((await registry.getModel('shared')).latestVersion).toBe(400);

    const created = (await registry.auditLog({ model: 'shared', limit: 10_000 })).filter(
      (event) => event.action === 'version.created',
    );
    expect(created.map((event) => event.version).sort((a, b) => a! - b!)).toEqual(versions);
    // Each worker's own versions appear in its audit entries in increasing order.
    const actors = new Set(created.map((event) => event.actor));
    expect(actors.size).toBe(4);
    for (const actor of actors) {
      const own = created.filter((event) => event.actor === actor).map((event) => event.version!);
      expect(own).toHaveLength(100);
      expect([...own].sort((a, b) => a - b)).toEqual(own);
    }
    await registry.close();
    assertSqliteHealthy(url);
  });

  it('leaves the database consistent when a process is killed with SIGKILL mid-registration', async () => {
    const url = await freshDatabase(folder);
    // Round 0 dies while writing an artifact to the store, later rounds inside SQLite transactions.
    for (let round = 0; round < 4; round++) {
      const child = start(url, 'killed', 0, round === 0 ? 64 * 1024 : 0);
      const exit = finished(child);
      await registered(child, 5 + round * 20);
      child.kill('SIGKILL');
      expect((await exit).signal).toBe('SIGKILL');
    }
    assertSqliteHealthy(url);
    const registry = await openRegistry({ url, store: folder });
    const latest = (await registry.getModel('killed')).latestVersion;
    expect(latest).toBeGreaterThanOrEqual(5);
    const page = await registry.listVersions('killed', { order: 'asc', limit: 1000 });
    expect(page.versions.map((version) => version.version)).toEqual(
      Array.from({ length: latest }, (_, index) => index + 1),
    );
    const created = (await registry.auditLog({ model: 'killed', limit: 10_000 })).filter(
      (event) => event.action === 'version.created',
    );
    expect(created.map((event) => event.version)).toEqual(
      page.versions.map((version) => version.version),
    );
    for (const version of page.versions) {
      expect((await registry.readArtifact(`killed/${version.version}`)).byteLength).toBeGreaterThan(
        0,
      );
      expect(
        Object.keys(version.tags).length === 1 || Object.keys(version.tags).length === 100,
      ).toBe(true);
    }
    expect(
      (await registry.registerModel('killed', { artifact: new Uint8Array([1]) })).version,
    ).toBe(latest + 1);
    await registry.close();
  });
});
