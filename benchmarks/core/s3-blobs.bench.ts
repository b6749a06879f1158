// @mlinfra/core shared store: put and get of a large file through S3 (s3rver in its own process),
// next to the raw AWS SDK doing the same transfer (`Upload` from @aws-sdk/lib-storage with its
// defaults, and `GetObject` streamed to a file with the same fsync, or drained as a stream). Prints
// throughput ratios (ours / raw SDK; > 1 is faster). Ours also hashes every byte (SHA-256, the content address), verifies it on the way
// back, fsyncs the file it writes, and uploads a large blob to a temporary key then copies it to
// its content key server-side.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createStore } from '@mlinfra/core';
import { createDatabase, startPostgres, type TestS3 } from '@mlinfra/test-servers/servers';

const quick = process.env.BENCH_QUICK === '1';
const bytes = quick ? 128 * 1024 ** 2 : 1024 ** 3;
const repeats = quick ? 1 : 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function seconds(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function startServer(): Promise<{ server: TestS3; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./s3-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await new Promise<string[]>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (text) => resolve([text]));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return { server: JSON.parse(line!) as TestS3, child };
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-s3-'));
const { server, child } = await startServer();
const postgres = await startPostgres();
try {
  const source = join(root, 'source.bin');
  const handle = await open(source, 'w');
  const block = randomBytes(8 << 20);
  for (let written = 0; written < bytes; written += block.length) await handle.write(block);
  await handle.close();

  const s3 = { endpoint: server.endpoint, region: server.region, credentials: server.credentials };
  const client = new S3Client({ ...s3, forcePathStyle: true });
  const store = createStore({
    blobs: `s3://${server.bucket}/bench`,
    refs: await createDatabase(postgres.url),
    s3,
  });

  const raw = {
    put: [] as number[],
    file: [] as number[],
    fileSync: [] as number[],
    stream: [] as number[],
  };
  const ours = { put: [] as number[], file: [] as number[], stream: [] as number[] };
  const getRaw = (key: string) =>
    client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  const drain = async (stream: AsyncIterable<unknown>) => {
    for await (const _ of stream) {
      // only the transfer is measured
    }
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    const key = `raw/${randomUUID()}`;
    raw.put.push(
      await seconds(() =>
        new Upload({
          client,
          params: { Bucket: server.bucket, Key: key, Body: createReadStream(source) },
        }).done(),
      ),
    );
    raw.file.push(
      await seconds(async () => {
        const answer = await getRaw(key);
        await pipeline(
          answer.Body as NodeJS.ReadableStream,
          createWriteStream(join(root, 'raw.out')),
        );
      }),
    );
    raw.fileSync.push(
      await seconds(async () => {
        const answer = await getRaw(key);
        const target = join(root, 'raw-sync.out');
        await pipeline(answer.Body as NodeJS.ReadableStream, createWriteStream(target));
        const written = await open(target, 'r+');
        await written.sync();
        await written.close();
      }),
    );
    raw.stream.push(
      await seconds(async () => drain((await getRaw(key)).Body as AsyncIterable<unknown>)),
    );
    // A fresh byte in each round, so every put is a new blob rather than a repeat of the last.
    const round = await open(source, 'r+');
    await round.write(Buffer.from([repeat]), 0, 1, 0);
    await round.close();
    let digest = '';
    ours.put.push(
      await seconds(async () => {
        digest = (await store.putFile(source)).digest;
      }),
    );
    ours.file.push(await seconds(() => store.getFile(digest, join(root, 'ours.out'))));
    ours.stream.push(await seconds(async () => drain(await store.get(digest))));
    for (const name of ['raw.out', 'raw-sync.out', 'ours.out']) {
      await rm(join(root, name), { force: true });
    }
  }

  const gib = bytes / 1024 ** 3;
  const rate = (values: number[]) => gib / median(values);
  console.log(
    `S3 (s3rver in its own process): ${gib.toFixed(3)} GiB file, median of ${repeats}, GiB/s`,
  );
  console.log(`  raw SDK Upload                    ${rate(raw.put).toFixed(3)}`);
  console.log(
    `  store.putFile                     ${rate(ours.put).toFixed(3)}  (hash + multipart to tmp + copy)`,
  );
  console.log(`  raw SDK GetObject to file         ${rate(raw.file).toFixed(3)}  (no fsync)`);
  console.log(`  raw SDK GetObject to file + fsync ${rate(raw.fileSync).toFixed(3)}`);
  console.log(
    `  store.getFile                     ${rate(ours.file).toFixed(3)}  (verify hash + fsync + rename)`,
  );
  console.log(`  raw SDK GetObject body, drained   ${rate(raw.stream).toFixed(3)}`);
  console.log(`  store.get stream, drained         ${rate(ours.stream).toFixed(3)}  (verify hash)`);
  console.log(
    `  (store.getFile against GetObject to a file without fsync: ${(median(raw.file) / median(ours.file)).toFixed(2)}x)`,
  );
  const size = quick ? '128 MiB' : '1 GiB';
  for (const [metric, peer, ourTimes, rawTimes] of [
    [`S3 put ${size} file`, 'AWS SDK Upload', ours.put, raw.put],
    [`S3 get ${size} file`, 'AWS SDK GetObject to file + fsync', ours.file, raw.fileSync],
    [`S3 get ${size} stream`, 'AWS SDK GetObject body', ours.stream, raw.stream],
  ] as const) {
    console.log(
      `RESULT ${JSON.stringify({
        area: 'core',
        metric,
        ours: Number(rate(ourTimes).toFixed(3)),
        peer,
        peerValue: Number(rate(rawTimes).toFixed(3)),
        ratio: Number((median(rawTimes) / median(ourTimes)).toFixed(3)),
        unit: 'GiB/s',
        better: 'higher',
      })}`,
    );
  }
  client.destroy();
} finally {
  child.kill('SIGTERM');
  await postgres.stop();
  await rm(root, { recursive: true, force: true });
}
