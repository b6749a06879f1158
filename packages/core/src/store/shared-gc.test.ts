import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors/index.js';
import { type OpenedStore, storeHarnesses } from './__fixtures__/backends.js';
import { commitAndCheckHistory } from './__fixtures__/pinned-commits.js';
import { createStore, type Store } from './store.js';

// gc on the shared store (blobs in s3rver, refs in PostgreSQL), with a second "machine": another
// store on the same bucket and database, with its own S3 client and PostgreSQL pool.
const shared = storeHarnesses.find((harness) => harness.name === 's3 + postgres')!;
let opened: OpenedStore;
let store: Store;
let otherMachine: Store;

beforeEach(async () => {
  opened = await shared.open();
  store = opened.store;
  const options = JSON.parse(opened.spec);
  otherMachine = createStore({ ...options, postgres: { maxConnections: 4 } });
});

afterEach(async () => {
  await opened.close();
});

const longAgo = () => new Date(Date.now() - 3_600_000);

describe('gc on the shared store', () => {
  it('keeps what refs name, directly or inside JSON blobs, and what pins hold; removes the rest', async () => {
    const leaf = await store.put('parquet bytes');
    const manifest = await store.putJson({ files: [leaf.digest] });
    const loose = await store.put('nobody names me');
    await store.refs.set('datasets/d/branches/main', JSON.stringify({ head: manifest.digest }));
    const pin = await otherMachine.pin();
    const inFlight = await otherMachine.put('being committed on another machine', { pin });
    for (const digest of [leaf.digest, manifest.digest, loose.digest, inFlight.digest]) {
      await opened.age(digest, longAgo());
    }

    const report = await store.gc({ graceMs: 0 });
    expect(report.removed).toEqual([loose.digest]);
    for (const digest of [leaf.digest, manifest.digest, inFlight.digest]) {
      expect(await store.has(digest)).toBe(true);
    }
    await pin.release();
    expect((await store.gc({ graceMs: 0 })).removed).toEqual([inFlight.digest]);
    await expect(store.read(loose.digest)).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('a machine that pins, puts, sets its ref and releases never loses a blob to gc on another machine', async () => {
    let stop = false;
    let gcRuns = 0;
    const collector = (async () => {
      while (!stop) {
        await otherMachine.gc({ graceMs: 0 });
        gcRuns++;
      }
    })();
    try {
      for (let commit = 0; commit < 12; commit++) {
        await commitAndCheckHistory(store, commit);
      }
    } finally {
      stop = true;
      await collector;
    }
    expect(gcRuns).toBeGreaterThan(2);
  }, 120_000);
});
