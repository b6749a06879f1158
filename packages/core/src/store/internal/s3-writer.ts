import type { BlobWriter } from '../backend.js';
import type { S3BlobBackend } from '../s3-backend.js';

/** A multipart upload in progress: to a temporary key, or (`direct`) to the blob's own key. */
export interface Upload {
  objectKey: string;
  uploadId: string;
  direct: boolean;
}

const FIRST_BUFFER_BYTES = 64 << 10;

/**
 * Collects chunks into part-sized buffers. The first part stays in memory: a blob that fits in
 * it is one PutObject; the first byte past it starts a multipart upload.
 */
export class S3Writer implements BlobWriter {
  private part: Buffer;
  private filled = 0;
  private size = 0;
  private upload: Promise<Upload> | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Part buffers whose upload finished, reused so memory stays at `concurrency + 1` parts. */
  private readonly spare: Buffer[] = [];
  private failed: unknown;

  /** @param knownKey the blob's key when known up front: parts go straight to it. */
  constructor(
    private readonly backend: S3BlobBackend,
    private readonly knownKey?: string,
  ) {
    this.part = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
  }

  /** The first part starts small (most blobs are small) and doubles up to the part size. */
  private grow(): void {
    const larger = Buffer.allocUnsafe(Math.min(this.partBytes(), this.part.byteLength * 2));
    larger.set(this.part.subarray(0, this.filled));
    this.part = larger;
  }

  private nextBuffer(): Buffer {
    const bytes = this.partBytes();
    const reused = this.spare.pop();
    return reused !== undefined && reused.byteLength === bytes ? reused : Buffer.allocUnsafe(bytes);
  }

  private partBytes(): number {
    // Parts double every 1000 so a blob never needs more than S3's 10000 parts.
    return this.backend.partBytes * 2 ** Math.floor(this.parts.length / 1000);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.filled === this.part.byteLength) {
        if (this.part.byteLength < this.partBytes()) this.grow();
        else await this.flushPart();
      }
      const take = Math.min(chunk.byteLength - offset, this.part.byteLength - this.filled);
      this.part.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
    }
    this.size += chunk.byteLength;
  }

  /** Sends the full part buffer as the next part, waiting while too many are in flight. */
  private async flushPart(): Promise<void> {
    while (this.inFlight.size >= this.backend.concurrency) await Promise.race(this.inFlight);
    if (this.failed !== undefined) throw this.failed;
    this.upload ??= this.backend.startUpload(this.knownKey);
    const upload = await this.upload;
    const body = this.part.subarray(0, this.filled);
    const entry = { ETag: '', PartNumber: this.parts.length + 1 };
    this.parts.push(entry);
    const buffer = this.part;
    const sending = this.backend.uploadPart(upload, entry.PartNumber, body).then(
      (etag) => {
        entry.ETag = etag;
        this.spare.push(buffer);
      },
      (error: unknown) => {
        this.failed ??= error;
      },
    );
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    this.part = this.nextBuffer();
    this.filled = 0;
  }

  async commit(key: string): Promise<void> {
    if (this.upload === undefined) {
      await this.backend.putSmall(key, this.part.subarray(0, this.filled));
      return;
    }
    if (this.filled > 0) await this.flushPart();
    await Promise.all(this.inFlight);
    if (this.failed !== undefined) throw this.failed;
    this.release();
    await this.backend.finishUpload(await this.upload, this.parts, key, this.size);
    this.upload = undefined;
  }

  /** Lets the part buffers go as soon as the bytes are sent (a writer object may live on). */
  private release(): void {
    this.spare.length = 0;
    this.part = Buffer.alloc(0);
    this.filled = 0;
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    this.release();
    const upload = this.upload;
    this.upload = undefined;
    if (upload !== undefined) {
      await this.backend.abortUpload(await upload).catch(() => undefined);
    }
  }
}
