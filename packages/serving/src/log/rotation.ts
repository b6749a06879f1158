import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** File rotation settings shared by the JSONL and Parquet sinks (fields of their strict schemas). */
export const rotationShape = {
  /** Folder the rotated files go to; created when missing. */
  directory: z.string().min(1).optional(),
  /** Start a new file once the current one would pass this size, in bytes. Default 64 MiB (JSONL only). */
  maxFileBytes: z.number().int().positive().optional(),
  /** Start a new file once the current one is this old, in ms. Default 3,600,000 (one hour). */
  maxFileAgeMs: z.number().positive().optional(),
  /** File name prefix. Default `predictions`. */
  prefix: z.string().min(1).optional(),
};

/** File rotation settings shared by the JSONL and Parquet sinks. */
export type RotationOptions = z.input<z.ZodObject<typeof rotationShape>>;

/** Names and rolls over files `<prefix>-<UTC time>-<n>.<extension>` in one folder. */
export class RotatingFiles {
  private path: string | undefined;
  private openedAt = 0;
  private bytes = 0;
  private sequence = 0;
  private created: Promise<unknown> | undefined;
  readonly maxFileBytes: number;
  readonly maxFileAgeMs: number;

  constructor(private readonly options: RotationOptions & { extension: string }) {
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxFileAgeMs = options.maxFileAgeMs ?? 3_600_000;
  }

  /** A fresh file name (no file is created). */
  async next(): Promise<string> {
    const directory = this.options.directory!;
    this.created ??= mkdir(directory, { recursive: true });
    await this.created;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '');
    this.sequence++;
    const name = `${this.options.prefix ?? 'predictions'}-${stamp}-${String(this.sequence).padStart(6, '0')}.${this.options.extension}`;
    return join(directory, name);
  }

  /** The file the next `bytes` bytes should be appended to, rolling over when due. */
  async current(bytes: number): Promise<string> {
    const now = Date.now();
    if (
      this.path === undefined ||
      (this.bytes > 0 && this.bytes + bytes > this.maxFileBytes) ||
      now - this.openedAt >= this.maxFileAgeMs
    ) {
      this.path = await this.next();
      this.openedAt = now;
      this.bytes = 0;
    }
    this.bytes += bytes;
    return this.path;
  }
}
