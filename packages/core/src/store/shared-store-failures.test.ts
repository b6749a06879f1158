import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createDatabase, startPostgres, startS3 } from '@mlinfra/test-servers';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  MissingDependencyError,
  MlinfraError,
  NotFoundError,
  ValidationError,
} from '../errors/index.js';
import { UnavailableError } from '../errors/unavailable-error.js';
import type { ModuleImporter } from './internal/optional-peer.js';
import { redactUrl } from './redact-url.js';
import { createStore } from './store.js';
import { backendFor, type StoreOptions } from './store-config.js';

/** Every error and log line the failure cases produce; none may contain a secret. */
const produced: string[] = [];
const S3_SECRET = 'S3RVER';
let folder: string;
let databaseUrl: string;
let password: string;

function record(error: unknown): unknown {
  produced.push(String(error), (error as Error)?.stack ?? '', inspect(error, { depth: 20 }));
  return error;
}

/** Runs `operation`, which must fail, and returns its error (recorded for the secret check). */
async function failure(operation: () => Promise<unknown>): Promise<unknown> {
  try {
    await operation();
  } catch (error) {
    return record(error);
  }
  throw new Error('expected the operation to fail');
}

function s3Settings(): NonNullable<StoreOptions['s3']> {
  const s3 = inject('mlinfraS3');
  return { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials };
}

const logSpies: ReturnType<typeof vi.spyOn>[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mlinfra-failures-'));
  databaseUrl = await createDatabase(inject('mlinfraPostgresUrl'));
  password = decodeURIComponent(new URL(databaseUrl).password);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    logSpies.push(
      vi.spyOn(console, method).mockImplementation((...parts: unknown[]) => {
        produced.push(parts.map((part) => inspect(part, { depth: 20 })).join(' '));
      }),
    );
  }
});

afterAll(async () => {
  for (const spy of logSpies) spy.mockRestore();
  await rm(folder, { recursive: true, force: true });
});

describe('shared store failures', () => {
  it('a PostgreSQL outage is an UnavailableError naming the server, with the password hidden', async () => {
    const server = await startPostgres({ fromEnvironment: false });
    try {
      const store = createStore({
        blobs: folder,
        refs: server.url,
        postgres: { connectionTimeoutMs: 2_000 },
      });
      await store.refs.set('model', 'v1');
      expect(store.location).not.toContain(server.password);
      await server.stop();
      for (const operation of [
        () => store.refs.get('model'),
        () => store.refs.set('model', 'v2', { expected: 'v1' }),
        () => store.refs.list(),
      ]) {
        const error = await failure(operation);
        expect(error).toSatisfy(UnavailableError.isInstance);
        expect(NotFoundError.isInstance(error)).toBe(false);
        expect((error as UnavailableError).endpoint).toBe(redactUrl(server.url));
        expect((error as Error).message).toContain(new URL(server.url).host);
        expect((error as Error).message).toMatch(/running and reachable/);
      }
      expect(produced.filter((line) => line.includes(server.password))).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a wrong PostgreSQL password is refused with a typed error that never shows either password', async () => {
    const wrong = new URL(databaseUrl);
    wrong.password = `wrong-${password}`;
    const store = createStore({ blobs: folder, refs: wrong.toString() });
    const error = await failure(() => store.refs.get('x'));
    expect(error).toSatisfy(UnavailableError.isInstance);
    expect((error as Error).message).toMatch(/refused the credentials/);
    expect((error as UnavailableError).endpoint).toBe(redactUrl(wrong));
  });

  it('a database that does not exist is a NotFoundError', async () => {
    const missing = new URL(databaseUrl);
    missing.pathname = '/no_such_database_here';
    const store = createStore({ blobs: folder, refs: missing.toString() });
    const error = await failure(() => store.refs.get('x'));
    expect(error).toSatisfy(NotFoundError.isInstance);
    expect(UnavailableError.isInstance(error)).toBe(false);
    expect((error as Error).message).toMatch(/no such database/);
  });

  it('TLS settings in the URL reach the driver', async () => {
    // The test server speaks no TLS, so a URL that demands it must fail on TLS, not be ignored.
    const store = createStore({ blobs: folder, refs: `${databaseUrl}?sslmode=require` });
    const error = await failure(() => store.refs.get('x'));
    expect(error).toSatisfy(MlinfraError.isInstance);
    expect((error as Error).message).toMatch(/SSL/);
  });

  it('an S3 outage is an UnavailableError naming the endpoint', async () => {
    const server = await startS3({ buckets: ['outage-bucket'] });
    const store = createStore({
      blobs: `s3://outage-bucket/${randomUUID()}`,
      refs: databaseUrl,
      s3: { ...s3Settings(), endpoint: server.endpoint, maxAttempts: 2 },
    });
    const { digest } = await store.put('before the outage');
    await server.stop();
    for (const operation of [
      () => store.put('during the outage'),
      () => store.read(digest),
      () => store.has(digest),
    ]) {
      const error = await failure(operation);
      expect(error).toSatisfy(UnavailableError.isInstance);
      expect((error as UnavailableError).endpoint).toBe(server.endpoint);
      expect((error as Error).message).toContain(server.endpoint);
    }
  }, 60_000);

  it('a bucket that does not exist is a NotFoundError naming it', async () => {
    const store = createStore({
      blobs: 's3://no-such-bucket-here/x',
      refs: databaseUrl,
      s3: s3Settings(),
    });
    const error = await failure(() => store.put('x'));
    expect(error).toSatisfy(NotFoundError.isInstance);
    expect((error as Error).message).toContain('no-such-bucket-here');
  });

  it('wrong S3 credentials are refused with a typed error that never shows the secret', async () => {
    const { bucket } = inject('mlinfraS3');
    const store = createStore({
      blobs: `s3://${bucket}/${randomUUID()}`,
      refs: databaseUrl,
      s3: {
        ...s3Settings(),
        // s3rver checks the key id (it does not verify SigV4 signatures).
        credentials: { accessKeyId: 'NOT-A-KNOWN-KEY', secretAccessKey: 'not-the-secret-0451' },
      },
    });
    const error = await failure(() => store.put('x'));
    expect(error).toSatisfy(UnavailableError.isInstance);
    expect((error as Error).message).toMatch(/refused the credentials/);
    expect(produced.filter((line) => line.includes('not-the-secret-0451'))).toEqual([]);
  });

  it('a missing driver is a MissingDependencyError naming the install command', async () => {
    const missing: ModuleImporter = async (specifier) => {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    };
    const { bucket } = inject('mlinfraS3');
    const s3Store = createStore({
      backend: backendFor(
        { blobs: `s3://${bucket}/x`, refs: databaseUrl, s3: s3Settings() },
        missing,
      ),
    });
    const s3Error = await failure(() => s3Store.put('x'));
    expect(s3Error).toSatisfy(MissingDependencyError.isInstance);
    expect((s3Error as Error).message).toContain('npm install @aws-sdk/client-s3');
    const refError = await failure(() => s3Store.refs.get('x'));
    expect(refError).toSatisfy(MissingDependencyError.isInstance);
    expect((refError as Error).message).toContain('npm install pg');
    // Any other import failure is not mistaken for a missing package.
    const broken: ModuleImporter = async () => {
      throw new SyntaxError('Unexpected token');
    };
    const brokenStore = createStore({
      backend: backendFor({ blobs: folder, refs: databaseUrl }, broken),
    });
    expect(await failure(() => brokenStore.refs.get('x'))).toBeInstanceOf(SyntaxError);
  });

  it('options that cannot work are refused up front without echoing secrets', async () => {
    const { bucket } = inject('mlinfraS3');
    const cases: unknown[] = [
      { blobs: `s3://${bucket}/x` },
      { blobs: folder, refs: 'mysql://root:pw@h/db' },
      { blobs: databaseUrl },
      { blobs: folder, s3: s3Settings() },
      { blobs: `s3://${bucket}/x`, refs: databaseUrl, s3: { endpoint: 'ftp://nope' } },
      { blobs: `s3://${bucket}/x`, refs: databaseUrl, s3: { partSizeBytes: 1024 } },
      { blobs: 's3://UPPER_case/x', refs: databaseUrl },
      { blobs: folder, refz: databaseUrl },
    ];
    const saved = process.env.MLINFRA_DATABASE_URL;
    delete process.env.MLINFRA_DATABASE_URL;
    try {
      for (const options of cases) {
        const error = await failure(async () => createStore(options as StoreOptions));
        expect([options, ValidationError.isInstance(error)]).toEqual([options, true]);
      }
    } finally {
      if (saved !== undefined) process.env.MLINFRA_DATABASE_URL = saved;
    }
  });

  it('no error or log line of the cases above contains the test password or S3 secret', () => {
    expect(produced.length).toBeGreaterThan(20);
    expect(produced.filter((line) => line.includes(password))).toEqual([]);
    // s3rver's fixed secret is also its access key id, so look for it only as a secret value.
    expect(produced.filter((line) => line.includes(`secretAccessKey: '${S3_SECRET}'`))).toEqual([]);
  });
});
