import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@mlinfra/test-servers';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createStore } from './store.js';

const ENVIRONMENT = [
  'MLINFRA_STORE',
  'MLINFRA_HOME',
  'MLINFRA_DATABASE_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
] as const;

let saved: Record<string, string | undefined>;
let folder: string;
let databaseUrl: string;

beforeEach(async () => {
  saved = Object.fromEntries(ENVIRONMENT.map((name) => [name, process.env[name]]));
  for (const name of ENVIRONMENT) delete process.env[name];
  folder = await mkdtemp(join(tmpdir(), 'mlinfra-config-'));
  databaseUrl = await createDatabase(inject('mlinfraPostgresUrl'));
});

afterEach(async () => {
  for (const name of ENVIRONMENT) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await rm(folder, { recursive: true, force: true });
});

async function refRows(url: string): Promise<{ name: string; value: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT name, value FROM mlinfra_refs ORDER BY name')).rows;
  } finally {
    await client.end();
  }
}

function objectPath(prefix: string, digest: string): string {
  const s3 = inject('mlinfraS3');
  const hex = digest.slice('sha256:'.length);
  return join(s3.directory, s3.bucket, prefix, 'blobs', 'sha256', `${hex}._S3rver_object`);
}

describe('createStore configuration', () => {
  it('with no argument reads MLINFRA_STORE (s3://) and MLINFRA_DATABASE_URL, and the AWS variables', async () => {
    const s3 = inject('mlinfraS3');
    const prefix = `env/${randomUUID()}`;
    process.env.MLINFRA_STORE = `s3://${s3.bucket}/${prefix}`;
    process.env.MLINFRA_DATABASE_URL = databaseUrl;
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    const store = createStore();
    const { digest } = await store.put('shared bytes');
    await store.refs.set('datasets/x/branches/main', digest, { expected: null });
    expect(await readFile(objectPath(prefix, digest), 'utf8')).toBe('shared bytes');
    expect(await refRows(databaseUrl)).toEqual([
      { name: 'datasets/x/branches/main', value: digest },
    ]);
    expect(store.location).toBe(
      `s3://${s3.bucket}/${prefix}/ (refs in ${databaseUrl.replace(/:[^:@/]+@/, ':***@')})`,
    );
  });

  it('with no argument and MLINFRA_STORE a folder, keeps everything in that folder', async () => {
    process.env.MLINFRA_STORE = folder;
    const store = createStore();
    const { digest } = await store.put('local bytes');
    await store.refs.set('r', digest);
    const hex = digest.slice('sha256:'.length);
    expect((await stat(join(folder, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2)))).size).toBe(
      11,
    );
    expect(store.location).toBe(folder);
  });

  it('an s3:// string takes its refs from MLINFRA_DATABASE_URL', async () => {
    const s3 = inject('mlinfraS3');
    process.env.MLINFRA_DATABASE_URL = databaseUrl;
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    const store = createStore(`s3://${s3.bucket}/${randomUUID()}`);
    await store.refs.set('a', '1');
    expect(await refRows(databaseUrl)).toEqual([{ name: 'a', value: '1' }]);
  });

  it('blobs in a folder with refs in PostgreSQL', async () => {
    const store = createStore({ blobs: folder, refs: databaseUrl });
    const { digest } = await store.put('abc');
    await store.refs.set('pointer', digest);
    expect(await refRows(databaseUrl)).toEqual([{ name: 'pointer', value: digest }]);
    expect(await stat(join(folder, 'refs')).catch(() => undefined)).toBeUndefined();
    expect(await store.readJson<string>((await store.putJson('x')).digest)).toBe('x');
  });

  it('two hosts on one shared configuration see each other’s blobs and refs', async () => {
    const s3 = inject('mlinfraS3');
    const options = {
      blobs: `s3://${s3.bucket}/${randomUUID()}`,
      refs: databaseUrl,
      s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials },
    };
    const hostA = createStore(options);
    const hostB = createStore(structuredClone(options));
    const { digest } = await hostA.putJson({ weights: [1, 2, 3] });
    await hostA.refs.set('checkpoints/run-1/latest', digest, { expected: null });
    const seen = await hostB.refs.get('checkpoints/run-1/latest');
    expect(await hostB.readJson(seen!)).toEqual({ weights: [1, 2, 3] });
    // Identical bytes from the second host are stored once.
    expect((await hostB.putJson({ weights: [1, 2, 3] })).digest).toBe(digest);
    const listed: string[] = [];
    for await (const item of hostA.list()) listed.push(item);
    expect(listed).toEqual([digest]);
  });

  it('keeps the drivers optional: installing @mlinfra/core pulls in neither pg nor the AWS SDK', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    expect(Object.keys(manifest.dependencies)).toEqual(['zod']);
    for (const peer of ['pg', '@aws-sdk/client-s3']) {
      expect(manifest.peerDependencies[peer]).toMatch(/^\^\d/);
      expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true });
    }
  });
});
