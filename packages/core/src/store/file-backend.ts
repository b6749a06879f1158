import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobWriter, StoreBackend } from './backend.js';

const READ_CHUNK_BYTES = 1 << 20;
const VERSION_PREFIX = '=';
const VERSION_DIGITS = 16;

interface RefRecord {
  value?: string;
  deleted?: true;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function isExisting(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST';
}

/** Flushes a folder's entries (a rename or link inside it) to disk. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function uniqueName(): string {
  return `${process.pid}-${Date.now()}-${randomBytes(6).toString('hex')}`;
}

/**
 * Stores blobs and refs in a folder:
 * `blobs/sha256/ab/cdef...` (content-addressed), `refs/<name>/=<version>` (each ref update is a
 * new numbered file created with `link`, which fails if another writer took that number first)
 * and `tmp/` for writes in progress. Every write is temp file, fsync, rename or link, fsync of the
 * folder, so a killed process leaves either the old state or the new one.
 */
export class FileBackend implements StoreBackend {
  readonly location: string;
  private readonly blobRoot: string;
  private readonly refRoot: string;
  private readonly tempRoot: string;
  private readonly createdFolders = new Set<string>();

  constructor(root: string) {
    this.location = root;
    this.blobRoot = join(root, 'blobs');
    this.refRoot = join(root, 'refs');
    this.tempRoot = join(root, 'tmp');
  }

  private async ensureFolder(path: string): Promise<void> {
    if (this.createdFolders.has(path)) return;
    await mkdir(path, { recursive: true });
    this.createdFolders.add(path);
  }

  private blobPath(key: string): string {
    // key is "sha256/<64 hex>", validated by the store; fan out on the first byte.
    const [algorithm, hex] = key.split('/') as [string, string];
    return join(this.blobRoot, algorithm, hex.slice(0, 2), hex.slice(2));
  }

  private async createTemp(): Promise<{ path: string; handle: FileHandle }> {
    await this.ensureFolder(this.tempRoot);
    const path = join(this.tempRoot, `${uniqueName()}.tmp`);
    return { path, handle: await open(path, 'wx') };
  }

  async createWriter(): Promise<BlobWriter> {
    const { path, handle } = await this.createTemp();
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await handle.close();
      }
    };
    return {
      write: async (chunk) => {
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
      },
      commit: async (key) => {
        await handle.sync();
        await close();
        const target = this.blobPath(key);
        const folder = dirname(target);
        await this.ensureFolder(folder);
        // Renaming over an existing blob of the same digest replaces identical bytes and refreshes
        // its time, which gc relies on to never delete a blob that was just written.
        await rename(path, target);
        await syncDirectory(folder);
      },
      abort: async () => {
        await close().catch(() => undefined);
        await rm(path, { force: true });
      },
    };
  }

  async openRead(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.blobPath(key);
    try {
      const handle = await open(path, 'r');
      return createReadStream('', { fd: handle, highWaterMark: READ_CHUNK_BYTES });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    try {
      const info = await stat(this.blobPath(key));
      return { size: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(): AsyncIterable<string> {
    let algorithms: string[];
    try {
      algorithms = await readdir(this.blobRoot);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const algorithm of algorithms) {
      for (const fan of await readdir(join(this.blobRoot, algorithm)).catch(() => [])) {
        for (const rest of await readdir(join(this.blobRoot, algorithm, fan)).catch(() => [])) {
          yield `${algorithm}/${fan}${rest}`;
        }
      }
    }
  }

  async delete(key: string, options: { olderThan?: Date } = {}): Promise<boolean> {
    const path = this.blobPath(key);
    if (options.olderThan === undefined) {
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    }
    // Move whatever is there aside first, then look at what was moved: a write that renamed a
    // fresh copy in before our rename is detected by its time and put back.
    const aside = `${path}.gc-${uniqueName()}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    const info = await stat(aside);
    if (info.mtime >= options.olderThan) {
      await rename(aside, path);
      return false;
    }
    await unlink(aside);
    return true;
  }

  async removeTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    const names = await readdir(this.tempRoot).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(this.tempRoot, name);
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && info.mtime < olderThan) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private refFolder(name: string): string {
    return join(this.refRoot, ...name.split('/'));
  }

  /** The newest version file of a ref folder and its record, retrying if it is pruned under us. */
  private async latest(folder: string): Promise<{ version: number; record: RefRecord } | undefined> {
    for (;;) {
      let names: string[];
      try {
        names = await readdir(folder);
      } catch (error) {
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
      let newest = -1;
      for (const name of names) {
        if (name.startsWith(VERSION_PREFIX)) newest = Math.max(newest, Number(name.slice(1)));
      }
      if (newest < 0) return undefined;
      try {
        const text = await readFile(join(folder, this.versionName(newest)), 'utf8');
        return { version: newest, record: JSON.parse(text) as RefRecord };
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
  }

  private versionName(version: number): string {
    return `${VERSION_PREFIX}${String(version).padStart(VERSION_DIGITS, '0')}`;
  }

  async getRef(name: string): Promise<string | undefined> {
    const current = await this.latest(this.refFolder(name));
    return current?.record.value;
  }

  async compareAndSetRef(
    name: string,
    value: string | undefined,
    expected: string | null | undefined,
  ): Promise<boolean> {
    const folder = this.refFolder(name);
    const record: RefRecord = value === undefined ? { deleted: true } : { value };
    for (;;) {
      const current = await this.latest(folder);
      const currentValue = current?.record.value;
      if (expected !== undefined && (expected === null ? currentValue !== undefined : currentValue !== expected)) {
        return false;
      }
      if (value === undefined && currentValue === undefined) return expected === undefined ? false : true;
      const next = (current?.version ?? -1) + 1;
      await this.ensureFolder(folder);
      const temp = await this.createTemp();
      try {
        await temp.handle.writeFile(JSON.stringify(record));
        await temp.handle.sync();
        await temp.handle.close();
        // link() fails with EEXIST if another writer already created this version: that
        // single atomic step is the compare-and-set.
        await link(temp.path, join(folder, this.versionName(next)));
      } catch (error) {
        await temp.handle.close().catch(() => undefined);
        if (isExisting(error)) {
          if (expected !== undefined) return false;
          continue;
        }
        throw error;
      } finally {
        await rm(temp.path, { force: true });
      }
      await syncDirectory(folder);
      if (next > 0) await rm(join(folder, this.versionName(next - 1)), { force: true });
      return true;
    }
  }

  async listRefs(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const walk = async (folder: string, name: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw error;
      }
      if (name !== '' && name.startsWith(prefix) && entries.some((entry) => entry.name.startsWith(VERSION_PREFIX))) {
        const current = await this.latest(folder);
        if (current?.record.value !== undefined) names.push(name);
      }
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const child = name === '' ? entry.name : `${name}/${entry.name}`;
        if (child.startsWith(prefix) || prefix.startsWith(`${child}/`) || prefix === child) {
          await walk(join(folder, entry.name), child);
        }
      }
    };
    await walk(this.refRoot, '');
    return names.sort();
  }

}
