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
const repeats = quick ? 3 : 5;

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
  // Stores holding the source already, for the timed gets.
  const stored = createStore(join(root, 'stored'));
  const streamingStored = streamingStore(join(root, 'streaming-stored'));
  const { digest } = await stored.putFile(source);
  await streamingStored.putFile(source);
  const out = join(root, 'out.bin');
  const fresh = join(root, 'fresh');
  const peers: Record<string, () => unknown> = {
    cp: () => execFileSync('cp', [source, out]),
    'cp + sync': () => execFileSync('sh', ['-c', `cp "${source}" "${out}" && sync "${out}"`]),
  };
  const storeRuns: Record<string, { run: () => Promise<unknown>; note: string }> = {
    put: { run: () => createStore(fresh).putFile(source), note: 'hash + fsync + rename' },
    get: { run: () => stored.getFile(digest, out), note: 'verify hash + fsync + rename' },
    'streaming put': {
      run: () => streamingStore(fresh).putFile(source),
      note: 'no kernel copy: read, hash, write here',
    },
    'streaming get': { run: () => streamingStored.getFile(digest, out), note: 'no kernel copy' },
  };
  const timed = async (action: () => unknown): Promise<number> => {
    execFileSync('sync'); // every run starts from flushed files, not a neighbour's writeback
    const time = await seconds(action);
    await rm(out, { force: true });
    await rm(fresh, { recursive: true, force: true });
    return time;
  };
  // This machine's file writes swing by several times within a minute (memory the VM hands back
  // lazily, writeback bursts), so each of our runs is paired with a peer run right next to it,
  // in alternating order, and the ratio is the median of the pairs' ratios.
  const times: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  const record = (table: Record<string, number[]>, key: string, value: number) => {
    table[key] = [...(table[key] ?? []), value];
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const [name, { run }] of Object.entries(storeRuns)) {
      for (const [peer, peerRun] of Object.entries(peers)) {
        const oursFirst = repeat % 2 === 1;
        const first = await timed(oursFirst ? run : peerRun);
        const second = await timed(oursFirst ? peerRun : run);
        const [oursTime, peerTime] = oursFirst ? [first, second] : [second, first];
        record(times, name, oursTime);
        record(times, peer, peerTime);
        record(ratios, `${name} / ${peer}`, peerTime / oursTime);
      }
    }
  }
  const rate = (values: number[]) => (gib / median(values)).toFixed(2);
  console.log(`large file: ${gib.toFixed(3)} GiB, ${repeats} paired runs per ratio, median GiB/s`);
  for (const peer of Object.keys(peers)) console.log(`  ${peer.padEnd(18)} ${rate(times[peer]!)}`);
  for (const [name, { note }] of Object.entries(storeRuns))
    console.log(`  store ${name.padEnd(14)} ${rate(times[name]!)}  (${note})`);
  for (const [pair, values] of Object.entries(ratios))
    console.log(`  ratio ${pair.padEnd(26)} ${median(values).toFixed(2)}x`);

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
