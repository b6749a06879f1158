import { createHash, randomUUID } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { createDatabase } from '@mlinfra/test-servers';
import { describe, expect, inject, it } from 'vitest';
import { combineBackends } from './combined-backend.js';
import { PostgresRefBackend } from './postgres-refs.js';
import { S3BlobBackend } from './s3-backend.js';

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

describe('combineBackends', () => {
  it("gc's delete on S3 waits for another machine's write of the same blob and then keeps it", async () => {
    const s3 = inject('mlinfraS3');
    const databaseUrl = await createDatabase(inject('mlinfraPostgresUrl'));
    const prefix = randomUUID();
    const settings = { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials };
    const blobs = new S3BlobBackend(`s3://${s3.bucket}/${prefix}`, settings);
    const gcMachine = combineBackends(blobs, new PostgresRefBackend(databaseUrl));
    // Another machine: its own S3 client and its own PostgreSQL pool.
    const otherBlobs = new S3BlobBackend(`s3://${s3.bucket}/${prefix}`, settings);
    const otherRefs = new PostgresRefBackend(databaseUrl, { maxConnections: 3 });

    const bytes = new TextEncoder().encode('a blob another machine is about to name');
    const key = `sha256/${createHash('sha256').update(bytes).digest('hex')}`;
    const writer = await gcMachine.createWriter();
    await writer.write(bytes);
    await writer.commit(key);
    const old = new Date(Date.now() - 3_600_000);
    const objectFile = join(s3.directory, s3.bucket, prefix, 'blobs', `${key}._S3rver_object`);
    await utimes(objectFile, old, old);

    let deleted: boolean | undefined;
    await otherRefs.withBlobLock(key, false, async () => {
      // gc decides the blob is old enough, but must wait for the write in progress.
      const cutoff = new Date(Date.now() - 60_000);
      void gcMachine.delete(key, { olderThan: cutoff }).then((result) => {
        deleted = result;
      });
      await delay(300);
      expect(deleted).toBeUndefined();
      // The other machine puts the same bytes again, which refreshes the blob's date.
      expect(await otherBlobs.touch(key)).toBe(true);
    });
    while (deleted === undefined) await delay(20);
    expect(deleted).toBe(false);
    expect(await gcMachine.stat(key)).toBeDefined();

    // With no write in the way, the same delete goes ahead.
    await utimes(objectFile, old, old);
    expect(await gcMachine.delete(key, { olderThan: new Date(Date.now() - 60_000) })).toBe(true);
    expect(await gcMachine.stat(key)).toBeUndefined();
  });
});
