import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { openDatasets } from '@mlinfra/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'mlinfra-race-'));
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('dataset commits racing store.gc({ graceMs: 0 })', () => {
  it('never report success for a head that cannot be read, and later commits work', async () => {
    const store = createStore(home);
    const datasets = openDatasets({ store });
    let stop = false;
    let collections = 0;
    const collector = (async () => {
      while (!stop) {
        await store.gc({ graceMs: 0 });
        collections++;
      }
    })();
    try {
      for (let commit = 0; commit < 25; commit++) {
        const rows = Array.from({ length: 50 }, (_, index) => ({
          commit,
          index,
          value: index * 0.5,
        }));
        const version = await datasets.commit('events', rows, { mode: 'append', retries: 3 });
        // Read the head back from the store itself (a fresh cache), while gc keeps running.
        const fresh = openDatasets({ store, cacheDir: join(home, `cache-${commit}`) });
        const head = await fresh.resolve('events');
        expect(head.id).toBe(version.id);
        for (const file of head.files) {
          expect((await store.read(file.digest)).byteLength).toBe(file.sizeBytes);
        }
        expect(await fresh.dataset('events').rows()).toHaveLength(50 * (commit + 1));
      }
    } finally {
      stop = true;
      await collector;
    }
    expect(collections).toBeGreaterThan(3);
    // After the race, commits still land and the whole history reads.
    const last = await datasets.commit('events', [{ commit: 99, index: 0, value: 1 }], {
      mode: 'append',
    });
    expect(last.rowCount).toBe(50 * 25 + 1);
    expect(await datasets.log('events')).toHaveLength(26);
  });
});
