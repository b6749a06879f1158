import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createDatabase } from '@mlinfra/test-servers';
import { describe, expect, inject, it } from 'vitest';
import { parseS3Url } from './s3-backend.js';
import { createStore } from './store.js';

/**
 * A TCP proxy in front of s3rver that cuts the first connection which has carried more than
 * `cutAfterBytes` bytes back to the client, as a flaky network would.
 */
async function flakyProxy(
  target: URL,
  cutAfterBytes: number,
): Promise<{ endpoint: string; cuts: () => number; close: () => Promise<void> }> {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    upstream.on('data', (data: Buffer) => {
      sent += data.byteLength;
      if (cuts === 0 && sent > cutAfterBytes) {
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(data);
    });
    client.on('data', (data: Buffer) => upstream.write(data));
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('S3 blob backend', () => {
  it('picks a read up where a broken connection left it, and still verifies the bytes', async () => {
    const s3 = inject('mlinfraS3');
    const proxy = await flakyProxy(new URL(s3.endpoint), 2 << 20);
    try {
      const store = createStore({
        blobs: `s3://${s3.bucket}/${randomUUID()}`,
        refs: await createDatabase(inject('mlinfraPostgresUrl')),
        s3: { endpoint: proxy.endpoint, region: s3.region, credentials: s3.credentials },
      });
      const data = randomBytes(6 << 20);
      const { digest } = await store.put(data);
      expect(proxy.cuts()).toBe(0);
      const read = await store.read(digest);
      expect(proxy.cuts()).toBe(1);
      expect(createHash('sha256').update(read).digest('hex')).toBe(digest.slice('sha256:'.length));
    } finally {
      await proxy.close();
    }
  });

  it('parses s3:// locations and refuses malformed ones', () => {
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://my.bucket-1/a/b/')).toEqual({ bucket: 'my.bucket-1', prefix: 'a/b/' });
    for (const bad of ['s3://', 's3://ab/x', 's3://Bucket/x', 's3://bucket/../x', 'http://b/x']) {
      expect(() => parseS3Url(bad)).toThrow(/s3:\/\/|"\."/);
    }
  });
});
