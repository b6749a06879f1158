import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type * as S3 from '@aws-sdk/client-s3';
import { ValidationError } from '../errors/index.js';
import type { BlobWriter } from './backend.js';
import type { BlobBackend } from './combined-backend.js';
import { coalesce } from './internal/coalesce.js';
import { readChunks } from './internal/file-io.js';
import { defaultImporter, importPeer, type ModuleImporter } from './internal/optional-peer.js';
import { isMissingObject, isUnreachable, s3Failure } from './internal/s3-errors.js';
import { S3Writer, type Upload } from './internal/s3-writer.js';
import { redactUrl } from './redact-url.js';

/** Connection settings of the S3 blob backend. Every field falls back to the AWS SDK's defaults. */
export interface S3Settings {
  /** Endpoint URL for S3-compatible storage (MinIO, R2, s3rver); default AWS, or `AWS_ENDPOINT_URL_S3`. */
  endpoint?: string | undefined;
  /** Region; default `AWS_REGION`, else `us-east-1`. */
  region?: string | undefined;
  /** Path-style addressing (`endpoint/bucket/key`); default true when `endpoint` is set. */
  forcePathStyle?: boolean | undefined;
  /** Access keys; default the SDK's chain (environment, shared config, instance role). */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }
    | undefined;
  /** Size of each multipart upload part in bytes (at least 5 MiB); default 8 MiB. */
  partSizeBytes?: number | undefined;
  /**
   * Parts uploaded at the same time; default 2 (raise it on links faster than about 200 MB/s).
   * Memory held is about (this + 1) x part size.
   */
  concurrency?: number | undefined;
  /** Tries of each request (network errors, 5xx, throttling); default 3. */
  maxAttempts?: number | undefined;
}

/** The S3 operations the backend uses, resolved once the SDK is imported. */
interface Sdk {
  client: S3.S3Client;
  module: typeof S3;
}

const DEFAULT_PART_BYTES = 8 << 20;
const MIN_PART_BYTES = 5 << 20;
const READ_CHUNK_BYTES = 1 << 20;
/** Largest object a single CopyObject may copy; larger ones are copied part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
const COPY_PART_BYTES = 512 << 20;
/**
 * Temporary objects and unfinished multipart uploads are removed only once they are this old,
 * whatever gc's grace period: S3 dates a multipart object by when its upload began, so a long
 * upload finishing now may carry an old date.
 */
const TEMPORARY_MIN_AGE_MS = 24 * 3_600_000;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Splits `s3://bucket/some/prefix` into the bucket and a key prefix (`some/prefix/`, or ''). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  const bucket = match?.[1];
  if (match === null || bucket === undefined || !BUCKET_PATTERN.test(bucket)) {
    throw new ValidationError(
      `Invalid S3 location ${JSON.stringify(redactUrl(url))}; write s3://<bucket>/<optional/prefix> with a bucket name of 3-63 lowercase letters, digits, dots and hyphens`,
    );
  }
  const path = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new ValidationError(`The S3 prefix of ${url} must not contain "." or ".." segments`);
  }
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}

/**
 * S3 dates objects to the second. Reporting the end of that second means a blob written after a
 * gc began never looks older than the gc's cutoff.
 */
function roundUp(date: Date | undefined): Date {
  if (date === undefined) return new Date(0);
  const time = date.getTime();
  return new Date(time % 1000 === 0 ? time + 999 : time);
}

function uniqueName(): string {
  return `${Date.now()}-${process.pid}-${randomBytes(8).toString('hex')}`;
}

/**
 * Stores blobs as objects `<prefix>blobs/sha256/<hex>` in an S3 bucket (or any S3-compatible
 * store). A blob up to one part is one PutObject straight to its content key; a larger one is a
 * multipart upload to `<prefix>tmp/` (bounded memory: about `concurrency + 1` parts), completed,
 * then copied server-side to its content key, so a blob becomes visible only once whole. Writing
 * the same bytes again overwrites identical bytes and refreshes the object's date, which gc
 * relies on. The SDK (`@aws-sdk/client-s3`, an optional peer) is imported on first use.
 */
export class S3BlobBackend implements BlobBackend {
  readonly location: string;
  /** Where errors say the server is: the endpoint (redacted) or the AWS region's S3. */
  readonly endpoint: string;
  private readonly bucket: string;
  private readonly prefix: string;
  /** A non-AWS endpoint, from the settings or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`. */
  private readonly customEndpoint: string | undefined;
  /** @internal Size of the first multipart part in bytes. */
  readonly partBytes: number;
  /** @internal Parts uploaded at the same time. */
  readonly concurrency: number;
  private sdk: Promise<Sdk> | undefined;

  constructor(
    url: string,
    private readonly settings: S3Settings = {},
    private readonly importer: ModuleImporter = defaultImporter,
  ) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}/${prefix}`;
    const region = settings.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.customEndpoint =
      settings.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.endpoint = redactUrl(this.customEndpoint ?? `https://s3.${region}.amazonaws.com`);
    this.partBytes = settings.partSizeBytes ?? DEFAULT_PART_BYTES;
    this.concurrency = settings.concurrency ?? 2;
    if (this.partBytes < MIN_PART_BYTES) {
      throw new ValidationError(
        `S3 partSizeBytes must be at least ${MIN_PART_BYTES} (5 MiB, the S3 minimum), got ${this.partBytes}`,
      );
    }
  }

  private load(): Promise<Sdk> {
    this.sdk ??= (async () => {
      const module = await importPeer<typeof S3>(
        '@aws-sdk/client-s3',
        'npm install @aws-sdk/client-s3',
        `blobs on ${this.location}`,
        this.importer,
      );
      const { region, forcePathStyle, credentials, maxAttempts } = this.settings;
      const endpoint = this.customEndpoint;
      const client = new module.S3Client({
        region: region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        ...(endpoint === undefined ? {} : { endpoint }),
        forcePathStyle: forcePathStyle ?? endpoint !== undefined,
        ...(credentials === undefined
          ? {}
          : {
              credentials: {
                accessKeyId: credentials.accessKeyId,
                secretAccessKey: credentials.secretAccessKey,
                ...(credentials.sessionToken === undefined
                  ? {}
                  : { sessionToken: credentials.sessionToken }),
              },
            }),
        maxAttempts: maxAttempts ?? 3,
        // Every read is checked against the blob's SHA-256 by the store, so the SDK's own CRC32
        // (pure JavaScript on Node 20, slower than the network here) is only sent where S3
        // requires it.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
      });
      return { client, module };
    })();
    this.sdk.catch(() => {
      this.sdk = undefined;
    });
    return this.sdk;
  }

  /** Runs one S3 command, turning SDK failures into typed errors that name the endpoint. */
  private async send<T>(action: string, run: (sdk: Sdk) => Promise<T>): Promise<T> {
    const sdk = await this.load();
    try {
      return await run(sdk);
    } catch (error) {
      throw this.failure(action, error);
    }
  }

  /** Maps an SDK error to a typed error; passes mlinfra errors and missing objects through. */
  failure(action: string, error: unknown): unknown {
    return s3Failure(error, {
      action,
      bucket: this.bucket,
      endpoint: this.endpoint,
      location: this.location,
      secrets: [
        this.settings.credentials?.secretAccessKey,
        this.settings.credentials?.sessionToken,
      ],
    });
  }

  private objectKey(key: string): string {
    return `${this.prefix}blobs/${key}`;
  }

  async createWriter(): Promise<BlobWriter> {
    await this.load();
    return new S3Writer(this);
  }

  /**
   * Uploads a file whose digest the caller computed straight to its content key (no temporary
   * object, no copy). A wrong digest is caught when the blob is read, as with the file backend.
   */
  async adoptFile(path: string, key: string): Promise<boolean> {
    await this.load();
    const writer = new S3Writer(this, key);
    try {
      for await (const chunk of readChunks(await open(path, 'r'), true)) await writer.write(chunk);
      await writer.commit(key);
      return true;
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** @internal Writes a small blob in one request straight to its content key. */
  putSmall(key: string, body: Uint8Array): Promise<void> {
    return this.send('PutObject', async ({ client, module }) => {
      await client.send(
        new module.PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: body,
          ContentLength: body.byteLength,
        }),
      );
    });
  }

  /**
   * @internal Starts a multipart upload: to the blob's key when it is known (the bytes are
   * trusted to match it), else to a fresh temporary key.
   */
  startUpload(key?: string): Promise<Upload> {
    const objectKey = key === undefined ? `${this.prefix}tmp/${uniqueName()}` : this.objectKey(key);
    return this.send('CreateMultipartUpload', async ({ client, module }) => {
      const answer = await client.send(
        new module.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey }),
      );
      return { objectKey, uploadId: answer.UploadId ?? '', direct: key !== undefined };
    });
  }

  /** @internal Uploads one part; returns its ETag. */
  uploadPart(upload: Upload, partNumber: number, body: Uint8Array) {
    return this.send('UploadPart', async ({ client, module }) => {
      const answer = await client.send(
        new module.UploadPartCommand({
          Bucket: this.bucket,
          Key: upload.objectKey,
          UploadId: upload.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.byteLength,
        }),
      );
      return answer.ETag ?? '';
    });
  }

  /**
   * @internal Completes a multipart upload, copies the object to its content key and removes
   * the temporary object.
   */
  async finishUpload(
    upload: Upload,
    parts: { ETag: string; PartNumber: number }[],
    key: string,
    size: number,
  ): Promise<void> {
    await this.send('CompleteMultipartUpload', async ({ client, module }) => {
      await client.send(
        new module.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: upload.objectKey,
          UploadId: upload.uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    });
    if (upload.direct) return;
    try {
      await this.copy(upload.objectKey, this.objectKey(key), size);
    } finally {
      await this.removeObject(upload.objectKey).catch(() => undefined);
    }
  }

  /** @internal Abandons a multipart upload; its parts are discarded. */
  async abortUpload(upload: Upload): Promise<void> {
    await this.send('AbortMultipartUpload', async ({ client, module }) => {
      await client.send(
        new module.AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: upload.objectKey,
          UploadId: upload.uploadId,
        }),
      );
    });
  }

  private copySource(objectKey: string): string {
    return `${this.bucket}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Server-side copy; objects over 5 GiB are copied part by part. */
  private async copy(from: string, to: string, size: number): Promise<void> {
    const source = this.copySource(from);
    if (size <= MAX_SINGLE_COPY_BYTES) {
      await this.send('CopyObject', async ({ client, module }) => {
        await client.send(
          new module.CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source }),
        );
      });
      return;
    }
    const { uploadId } = await this.send('CreateMultipartUpload', async ({ client, module }) => {
      const answer = await client.send(
        new module.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }),
      );
      return { uploadId: answer.UploadId ?? '' };
    });
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, number = 1; start < size; start += COPY_PART_BYTES, number++) {
        const end = Math.min(size, start + COPY_PART_BYTES) - 1;
        const etag = await this.send('UploadPartCopy', async ({ client, module }) => {
          const answer = await client.send(
            new module.UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: to,
              UploadId: uploadId,
              PartNumber: number,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          return answer.CopyPartResult?.ETag ?? '';
        });
        parts.push({ ETag: etag, PartNumber: number });
      }
      await this.send('CompleteMultipartUpload', async ({ client, module }) => {
        await client.send(
          new module.CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: to,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      });
    } catch (error) {
      await this.abortUpload({ objectKey: to, uploadId, direct: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Streams a blob. A connection that breaks mid-body is picked up where it stopped with a ranged
   * GetObject (reads are safe to repeat), up to `maxAttempts` tries in all.
   */
  async openRead(
    key: string,
    options: { reuseBuffers?: boolean } = {},
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    const objectKey = this.objectKey(key);
    let answer: S3.GetObjectCommandOutput;
    try {
      answer = await this.getObject(objectKey, 0);
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
    const size = answer.ContentLength ?? 0;
    const attempts = this.settings.maxAttempts ?? 3;
    const backend = this;
    const body = (async function* read() {
      let body = answer.Body as AsyncIterable<Uint8Array> | undefined;
      let offset = 0;
      for (let failures = 0; body !== undefined; ) {
        try {
          for await (const chunk of body) {
            offset += chunk.byteLength;
            yield chunk;
          }
          return;
        } catch (error) {
          failures++;
          if (failures >= attempts || offset >= size || !isUnreachable(error)) {
            throw backend.failure('GetObject (reading the body)', error);
          }
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** failures));
          body = (await backend.getObject(objectKey, offset)).Body as AsyncIterable<Uint8Array>;
        }
      }
    })();
    // The network hands out chunks of 16-64 KiB; hashing and writing them in 1 MiB pieces is
    // several times cheaper.
    return coalesce(
      body,
      Math.max(1, Math.min(READ_CHUNK_BYTES, size)),
      options.reuseBuffers === true,
    );
  }

  /** GetObject from byte `offset` on. */
  private getObject(objectKey: string, offset: number): Promise<S3.GetObjectCommandOutput> {
    return this.send('GetObject', ({ client, module }) =>
      client.send(
        new module.GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          ...(offset === 0 ? {} : { Range: `bytes=${offset}-` }),
        }),
      ),
    );
  }

  async stat(key: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    try {
      return await this.send('HeadObject', async ({ client, module }) => {
        const answer = await client.send(
          new module.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
        );
        return { size: answer.ContentLength ?? 0, modifiedAt: roundUp(answer.LastModified) };
      });
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  /** Every object key under `<prefix><folder>`, with that part removed, and its date. */
  private async *listUnder(folder: string): AsyncIterable<{ name: string; modifiedAt: Date }> {
    const start = `${this.prefix}${folder}`;
    let token: string | undefined;
    do {
      const page = await this.send('ListObjectsV2', ({ client, module }) =>
        client.send(
          new module.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: start,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { name: item.Key.slice(start.length), modifiedAt: roundUp(item.LastModified) };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /**
   * Refreshes an existing blob's date by copying the object onto itself (`MetadataDirective:
   * REPLACE`), which S3 and MinIO date anew. A store that keeps the old date for a self-copy
   * (s3rver) gets a copy to a temporary key and back. Returns false when the blob does not exist.
   */
  async touch(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    const info = await this.stat(key);
    if (info === undefined) return false;
    // S3 dates to the second: anything from this second on counts as refreshed.
    const since = Math.floor(Date.now() / 1000) * 1000;
    try {
      if (info.size > MAX_SINGLE_COPY_BYTES) {
        await this.copy(objectKey, objectKey, info.size);
      } else {
        await this.send('CopyObject', async ({ client, module }) => {
          await client.send(
            new module.CopyObjectCommand({
              Bucket: this.bucket,
              Key: objectKey,
              CopySource: this.copySource(objectKey),
              MetadataDirective: 'REPLACE',
              Metadata: { touched: new Date().toISOString() },
            }),
          );
        });
      }
      const after = await this.stat(key);
      if (after === undefined) return false;
      if (after.modifiedAt.getTime() >= since) return true;
      const temp = `${this.prefix}tmp/${uniqueName()}`;
      try {
        await this.copy(objectKey, temp, info.size);
        await this.copy(temp, objectKey, info.size);
      } finally {
        await this.removeObject(temp).catch(() => undefined);
      }
      return true;
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw error;
    }
  }

  async *list(): AsyncIterable<string> {
    for await (const item of this.listUnder('blobs/')) yield item.name;
  }

  private async removeObject(objectKey: string): Promise<void> {
    await this.send('DeleteObject', async ({ client, module }) => {
      await client.send(new module.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    });
  }

  async delete(key: string, options: { olderThan?: Date } = {}): Promise<boolean> {
    const info = await this.stat(key);
    if (info === undefined) return false;
    if (options.olderThan !== undefined && info.modifiedAt >= options.olderThan) return false;
    await this.removeObject(this.objectKey(key));
    return true;
  }

  async removeTemporary(olderThan: Date): Promise<number> {
    const cutoff = Math.min(olderThan.getTime(), Date.now() - TEMPORARY_MIN_AGE_MS);
    let removed = 0;
    for await (const item of this.listUnder('tmp/')) {
      if (item.modifiedAt.getTime() >= cutoff) continue;
      await this.removeObject(`${this.prefix}tmp/${item.name}`);
      removed++;
    }
    return removed;
  }
}
