// @mlinfra/core store: put and get of a large file against `cp` on the same disk, and small-blob
// puts per second against plain file writes. Prints ratios (ours / peer throughput; > 1 is faster).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, FileBackend, type StoreBackend } from '@mlinfra/core';

const quick = process.env.BENCH_QUICK === '1';
const bigBytes = quick ? 128 * 1024 ** 2 : 1024 ** 3;
const smallCount = quick ? 500 : 3000;
const repeats = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function seconds(action: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-core-'));
try {
  const source = join(root, 'source.bin');
  const handle = await open(source, 'w');
  const block = randomBytes(8 << 20);
  for (let written = 0; written < bigBytes; written += block.length) await handle.write(block);
  await handle.close();
  const gib = bigBytes / 1024 ** 3;

  const cp: number[] = [];
  const cpSync: number[] = [];
  const put: number[] = [];
  const get: number[] = [];
  const putStreaming: number[] = [];
  const getStreaming: number[] = [];
  // The same file backend without its optional fast paths (writeFromFile, copyTo): the store then
  // streams read -> hash -> write through this process, as it did before they existed.
  const streamingStore = (folder: string) => {
    const file = new FileBackend(folder);
    const backend: StoreBackend = {
      location: file.location,
      createWriter: () => file.createWriter(),
      openRead: (key, options) => file.openRead(key, options),
      stat: (key) => file.stat(key),
      touch: (key) => file.touch(key),
      list: () => file.list(),
      delete: (key, options) => file.delete(key, options),
      removeTemporary: (olderThan) => file.removeTemporary(olderThan),
      getRef: (name) => file.getRef(name),
      compareAndSetRef: (name, value, expected) => file.compareAndSetRef(name, value, expected),
      listRefs: (prefix, onProblem) => file.listRefs(prefix, onProblem),
    };
    return createStore({ backend });
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    const copy = join(root, `copy-${repeat}.bin`);
    cp.push(await seconds(() => execFileSync('cp', [source, copy])));
    await rm(copy);
    cpSync.push(
      await seconds(() => execFileSync('sh', ['-c', `cp "${source}" "${copy}" && sync "${copy}"`])),
    );
    await rm(copy);
    const store = createStore(join(root, `store-${repeat}`));
    let digest = '';
    put.push(
      await seconds(async () => {
        digest = (await store.putFile(source)).digest;
      }),
    );
    const out = join(root, `out-${repeat}.bin`);
    get.push(await seconds(() => store.getFile(digest, out)));
    await rm(out);
    await rm(join(root, `store-${repeat}`), { recursive: true });
    const streaming = streamingStore(join(root, `streaming-${repeat}`));
    putStreaming.push(await seconds(() => streaming.putFile(source)));
    getStreaming.push(await seconds(() => streaming.getFile(digest, out)));
    await rm(out);
    await rm(join(root, `streaming-${repeat}`), { recursive: true });
  }
  const rate = (values: number[]) => gib / median(values);
  console.log(`large file: ${gib.toFixed(3)} GiB, median of ${repeats}, GiB/s`);
  console.log(`  cp                  ${rate(cp).toFixed(2)}`);
  console.log(`  cp + sync           ${rate(cpSync).toFixed(2)}`);
  console.log(`  store.putFile       ${rate(put).toFixed(2)}  (hash + fsync + rename)`);
  console.log(`  store.getFile       ${rate(get).toFixed(2)}  (verify hash + fsync + rename)`);
  console.log(
    `  putFile, streaming  ${rate(putStreaming).toFixed(2)}  (no kernel copy: read, hash, write here)`,
  );
  console.log(`  getFile, streaming  ${rate(getStreaming).toFixed(2)}`);
  console.log(`  ratio put / cp          ${(median(cp) / median(put)).toFixed(2)}x`);
  console.log(`  ratio get / cp          ${(median(cp) / median(get)).toFixed(2)}x`);
  console.log(`  ratio put / (cp + sync) ${(median(cpSync) / median(put)).toFixed(2)}x`);
  console.log(`  ratio get / (cp + sync) ${(median(cpSync) / median(get)).toFixed(2)}x`);
  console.log(
    `  ratio streaming put / (cp + sync) ${(median(cpSync) / median(putStreaming)).toFixed(2)}x`,
  );
  console.log(
    `  ratio streaming get / (cp + sync) ${(median(cpSync) / median(getStreaming)).toFixed(2)}x`,
  );

  const blobs = Array.from({ length: smallCount }, () => randomBytes(1024));
  const store = createStore(join(root, 'small-store'));
  const plainFolder = join(root, 'plain');
  const safeFolder = join(root, 'safe');
  execFileSync('mkdir', ['-p', plainFolder, safeFolder]);
  const ours = await seconds(async () => {
    for (const blob of blobs) await store.put(blob);
  });
  const plain = await seconds(async () => {
    for (let index = 0; index < blobs.length; index++)
      await writeFile(join(plainFolder, String(index)), blobs[index]!);
  });
  const safe = await seconds(async () => {
    // What a careful user writes by hand for crash safety: temp file, fsync, rename, fsync folder.
    const folder = await open(safeFolder, 'r');
    for (let index = 0; index < blobs.length; index++) {
      const temp = join(safeFolder, `${index}.tmp`);
      const file = await open(temp, 'w');
      await file.write(blobs[index]!);
      await file.sync();
      await file.close();
      await rename(temp, join(safeFolder, String(index)));
      await folder.sync();
    }
    await folder.close();
  });
  console.log(`small blobs: ${smallCount} x 1 KiB, puts per second`);
  console.log(`  store.put                        ${(smallCount / ours).toFixed(0)}`);
  console.log(`  fs.writeFile (no fsync)          ${(smallCount / plain).toFixed(0)}`);
  console.log(`  temp + fsync + rename (by hand)  ${(smallCount / safe).toFixed(0)}`);
  console.log(`  ratio store.put / by-hand safe write  ${(safe / ours).toFixed(2)}x`);
  console.log(`  ratio store.put / fs.writeFile        ${(plain / ours).toFixed(2)}x`);
} finally {
  await rm(root, { recursive: true, force: true });
}
