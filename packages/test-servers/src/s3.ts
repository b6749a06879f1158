import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running S3 API server (s3rver) for tests. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>`; use it with `forcePathStyle: true`. */
  readonly endpoint: string;
  /** The first bucket of `buckets`. */
  readonly bucket: string;
  /** Every bucket the server was started with. */
  readonly buckets: readonly string[];
  /** The region to give the SDK (s3rver accepts any). */
  readonly region: string;
  /** s3rver's fixed credentials. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The folder holding the objects (`<bucket>/<key>._S3rver_object`), for tests that alter them. */
  readonly directory: string;
  /** Stops the server (dropping open connections) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startS3}. */
export interface StartS3Options {
  /** Buckets to create (names of 3+ characters). Default `['mlinfra-test']`. */
  buckets?: readonly string[];
}

/**
 * Starts a real S3 API server (s3rver) on 127.0.0.1 at a random port with the given buckets and
 * a fresh temporary folder that `stop()` removes. It does not enforce conditional writes
 * (`If-None-Match`), so never test compare-and-set through it.
 */
export async function startS3(options: StartS3Options = {}): Promise<TestS3> {
  const buckets = options.buckets ?? ['mlinfra-test'];
  const first = buckets[0];
  if (first === undefined) throw new Error('startS3 needs at least one bucket.');
  let S3rver: new (
    options: Record<string, unknown>,
  ) => {
    run(): Promise<{ port: number }>;
    httpServer: Server;
  };
  try {
    // @ts-expect-error s3rver ships no type declarations
    S3rver = (await import('s3rver')).default;
  } catch (cause) {
    throw new Error(
      'Cannot import "s3rver". Install the test servers with `pnpm install` at the repository root.',
      { cause },
    );
  }
  const directory = await mkdtemp(join(tmpdir(), 'mlinfra-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (cause) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`s3rver did not start: ${cause instanceof Error ? cause.message : cause}`, {
      cause,
    });
  }
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: first,
    buckets: [...buckets],
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const http = server.httpServer;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // Keep-alive sockets from SDK clients would otherwise hold close() open.
      http.closeAllConnections();
      await closed;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
