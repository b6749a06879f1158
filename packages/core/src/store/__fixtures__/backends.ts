// The backends the store contract suite runs against, each on real parts: a folder, and
// blobs in s3rver with refs in embedded PostgreSQL (both started once per run by the
// @mlinfra/test-servers global setup).
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, dropDatabase } from '@mlinfra/test-servers';
import { inject } from 'vitest';
import { createStore, type Store } from '../store.js';
import type { StoreOptions } from '../store-config.js';

/** One opened store plus the hooks a test needs to reach behind its back. */
export interface OpenedStore {
  store: Store;
  /** What child processes pass to `openStore()` to open the same store. */
  spec: string;
  /** A scratch folder for files the test reads and writes (not part of the store). */
  work: string;
  /** Overwrites a stored blob's bytes in place, as disk rot or a hostile bucket user would. */
  corrupt(digest: string, bytes: string | Uint8Array): Promise<void>;
  /** Sets a stored blob's write time. */
  age(digest: string, when: Date): Promise<void>;
  /** Temporary items (files or objects) the store holds now. */
  temporaries(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StoreHarness {
  name: string;
  /** Whether gc with graceMs 0 removes a temporary left by a killed writer at once. */
  gcRemovesFreshTemporaries: boolean;
  open(): Promise<OpenedStore>;
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

const file: StoreHarness = {
  name: 'file',
  gcRemovesFreshTemporaries: true,
  async open() {
    const root = await mkdtemp(join(tmpdir(), 'mlinfra-core-'));
    const work = join(root, 'work');
    await mkdir(work);
    const blobPath = (digest: string) => {
      const hex = hexOf(digest);
      return join(root, 'store', 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2));
    };
    return {
      store: createStore(join(root, 'store')),
      spec: join(root, 'store'),
      work,
      corrupt: async (digest, bytes) => writeFile(blobPath(digest), bytes),
      age: async (digest, when) => utimes(blobPath(digest), when, when),
      temporaries: async () => readdir(join(root, 'store', 'tmp')).catch(() => []),
      close: () => rm(root, { recursive: true, force: true }),
    };
  },
};

/** Options of a fresh shared store: a new key prefix in the bucket and a new database. */
export async function sharedStoreOptions(): Promise<StoreOptions> {
  const s3 = inject('mlinfraS3');
  return {
    blobs: `s3://${s3.bucket}/${randomUUID()}`,
    refs: await createDatabase(inject('mlinfraPostgresUrl')),
    s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials },
  };
}

const shared: StoreHarness = {
  name: 's3 + postgres',
  // S3 temporaries are kept for 24 hours whatever the grace period (see S3BlobBackend).
  gcRemovesFreshTemporaries: false,
  async open() {
    const s3 = inject('mlinfraS3');
    const options = await sharedStoreOptions();
    const prefix = options.blobs.slice(`s3://${s3.bucket}/`.length);
    const objectPath = (digest: string) =>
      join(s3.directory, s3.bucket, prefix, 'blobs', 'sha256', `${hexOf(digest)}._S3rver_object`);
    const base = await mkdtemp(join(tmpdir(), 'mlinfra-core-shared-'));
    const work = join(base, 'work');
    await mkdir(work);
    return {
      store: createStore(options),
      spec: JSON.stringify(options),
      work,
      async corrupt(digest, bytes) {
        await writeFile(objectPath(digest), bytes);
        // s3rver caches the MD5 next to the object; drop it so it serves the new bytes as they are.
        await rm(`${objectPath(digest)}.md5`, { force: true });
      },
      age: async (digest, when) => utimes(objectPath(digest), when, when),
      temporaries: async () =>
        readdir(join(s3.directory, s3.bucket, prefix, 'tmp')).catch(() => []),
      async close() {
        await rm(base, { recursive: true, force: true });
        await dropDatabase(options.refs!);
      },
    };
  },
};

/** Every backend the contract suite covers. */
export const storeHarnesses: StoreHarness[] = [file, shared];
