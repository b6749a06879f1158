import { randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import {
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  utimes,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { IntegrityError } from '../errors/index.js';
import type { BlobWriter, RefProblemHandler, StoreBackend } from './backend.js';
import { readChunks, writeFully } from './internal/file-io.js';
import { mapStorageErrors, mapStorageErrorsOf } from './internal/io-errors.js';

// Ref files start with "=", which a ref name segment cannot, so they never clash with child refs.
const CURRENT = '=current';
const LOCK_PREFIX = '=lock-';
const ABSENT_TOKEN = 'absent';

/** A ref's stored state. The token is new on every write and never reused. */
interface RefRecord {
  token: string;
  value?: string;
  deleted?: true;
}

/** Token under which a corrupt record is locked when it is replaced unconditionally. */
const CORRUPT_TOKEN = 'corrupt';

/** What `readCurrent` found: a record, nothing, or a file that is not a valid record. */
type RefState = RefRecord | { corrupt: IntegrityError } | undefined;

function isCorrupt(state: RefState): state is { corrupt: IntegrityError } {
  return state !== undefined && 'corrupt' in state;
}

function isRefRecord(value: unknown): value is RefRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.token === 'string' &&
    record.token.length > 0 &&
    (record.value === undefined || typeof record.value === 'string') &&
    (record.value !== undefined) !== (record.deleted === true)
  );
}

function newToken(): string {
  return randomBytes(12).toString('hex');
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
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
 * Whether the process that created a temp file (its pid leads the name) is still running on this
 * host; such a file may be a write in progress, however old.
 */
function writerIsAlive(name: string): boolean {
  const pid = Number.parseInt(name, 10);
  return pid !== process.pid && processIsAlive(pid);
}

/** Whether a process with this pid runs on this host. */
function processIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stores blobs and refs in a folder:
 * `blobs/sha256/ab/cdef...` (content-addressed), `refs/<name>/=current` (the ref's value and a
 * token that is new on every write; a writer first takes a lock file named after the token it
 * read, see `lock`) and `tmp/` for writes in progress. Refs are safe across processes of one host
 * (a lock's holder is checked by pid). Every write is temp file, fsync, rename or link, fsync of the
 * folder, so a killed process leaves either the old state or the new one.
 */
export class FileBackend implements StoreBackend {
  readonly location: string;
  private readonly blobRoot: string;
  private readonly refRoot: string;
  private readonly tempRoot: string;
  private readonly createdFolders = new Set<string>();
  /** Temp files this process is writing now. */
  private readonly activeTemps = new Set<string>();

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
    // Registered before it exists: a gc in this process must never see it unregistered.
    this.activeTemps.add(path);
    try {
      return { path, handle: await open(path, 'wx') };
    } catch (error) {
      this.activeTemps.delete(path);
      throw error;
    }
  }

  async createWriter(): Promise<BlobWriter> {
    const { path, handle } = await mapStorageErrors(this.tempRoot, 'create a file in', () =>
      this.createTemp(),
    );
    return this.writerFor(path, handle);
  }

  async writeFromFile(source: string): Promise<BlobWriter> {
    await mapStorageErrors(this.tempRoot, 'create a file in', () =>
      this.ensureFolder(this.tempRoot),
    );
    const path = join(this.tempRoot, `${uniqueName()}.tmp`);
    this.activeTemps.add(path);
    try {
      // In the kernel (a reflink where the file system can, else copy_file_range / sendfile): no
      // copy through this process's memory.
      await mapStorageErrors(path, 'copy into', () =>
        copyFile(source, path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE),
      );
      const handle = await open(path, 'r+');
      // Flush the copied data now, while the store is still hashing the source: commit's own
      // fsync then has only metadata left (measured: put ran hash, then copy's writeback, in turn).
      const flushing = handle.datasync();
      flushing.catch(() => undefined); // awaited by commit or abort
      return this.writerFor(path, handle, flushing);
    } catch (error) {
      this.activeTemps.delete(path);
      await rm(path, { force: true });
      throw error;
    }
  }

  async copyTo(key: string, path: string): Promise<boolean> {
    try {
      await mapStorageErrors(path, 'copy a blob to', () =>
        copyFile(this.blobPath(key), path, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE),
      );
      return true;
    } catch (error) {
      if (isMissing(error) && !(await this.stat(key))) return false;
      throw error;
    }
  }

  /** The writer of a temp file: write appends, commit makes it the blob, abort removes it. */
  private writerFor(path: string, handle: FileHandle, flushing?: Promise<void>): BlobWriter {
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await flushing?.catch(() => undefined);
        await handle.close();
      }
    };
    return {
      write: (chunk) => mapStorageErrors(path, 'write', () => writeFully(handle, chunk)),
      commit: (key) =>
        mapStorageErrors(path, 'store the blob written to', async () => {
          // The write time is the commit time, not the last byte's: gc relies on it (a blob
          // committed after gc started is never removed), and a pin is recorded before commit.
          await flushing;
          const now = new Date();
          await handle.utimes(now, now);
          await handle.sync();
          await close();
          const target = this.blobPath(key);
          const folder = dirname(target);
          await this.ensureFolder(folder);
          // Renaming over an existing blob of the same digest replaces identical bytes and
          // refreshes its time, so putting bytes again protects them from a running gc.
          await rename(path, target);
          this.activeTemps.delete(path);
          await syncDirectory(folder);
        }),
      abort: async () => {
        await close().catch(() => undefined);
        await rm(path, { force: true });
        this.activeTemps.delete(path);
      },
    };
  }

  adoptFile(path: string, key: string): Promise<boolean> {
    return mapStorageErrors(path, 'store the file', async () => {
      const temp = join(this.tempRoot, `${uniqueName()}.tmp`);
      await this.ensureFolder(this.tempRoot);
      // Registered before it exists (its time is the file's, maybe old): gc must not take it.
      this.activeTemps.add(temp);
      try {
        await link(path, temp);
      } catch (error) {
        this.activeTemps.delete(temp);
        if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
        throw error;
      }
      try {
        // As in commit: the write time becomes now (the file may be older than a running gc).
        const handle = await open(temp, 'r+');
        try {
          const now = new Date();
          await handle.utimes(now, now);
          await handle.sync();
        } finally {
          await handle.close();
        }
        const target = this.blobPath(key);
        const folder = dirname(target);
        await this.ensureFolder(folder);
        await rename(temp, target);
        await syncDirectory(folder);
        return true;
      } finally {
        this.activeTemps.delete(temp);
        await rm(temp, { force: true });
      }
    });
  }

  async touch(key: string): Promise<boolean> {
    const path = this.blobPath(key);
    const now = new Date();
    try {
      await mapStorageErrors(path, 'refresh the write time of', () => utimes(path, now, now));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async openRead(
    key: string,
    options: { reuseBuffers?: boolean } = {},
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.blobPath(key);
    try {
      const handle = await mapStorageErrors(path, 'open', () => open(path, 'r'));
      return mapStorageErrorsOf(path, 'read', readChunks(handle, options.reuseBuffers === true));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async readPrefix(key: string, bytes: number): Promise<Uint8Array | undefined> {
    const path = this.blobPath(key);
    try {
      return await mapStorageErrors(path, 'read', async () => {
        const handle = await open(path, 'r');
        try {
          const buffer = Buffer.alloc(bytes);
          const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    const path = this.blobPath(key);
    try {
      const info = await mapStorageErrors(path, 'look up', () => stat(path));
      return { size: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(): AsyncIterable<string> {
    let algorithms: string[];
    try {
      algorithms = await mapStorageErrors(this.blobRoot, 'list', () => readdir(this.blobRoot));
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

  delete(key: string, options: { olderThan?: Date } = {}): Promise<boolean> {
    const path = this.blobPath(key);
    return mapStorageErrors(path, 'delete', () => this.deleteAt(path, options));
  }

  private async deleteAt(path: string, options: { olderThan?: Date }): Promise<boolean> {
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

  removeTemporary(olderThan: Date): Promise<number> {
    return mapStorageErrors(this.tempRoot, 'clean up', () => this.removeTemporaryFiles(olderThan));
  }

  private async removeTemporaryFiles(olderThan: Date): Promise<number> {
    let removed = 0;
    const names = await readdir(this.tempRoot).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(this.tempRoot, name);
      if (this.activeTemps.has(path) || writerIsAlive(name)) continue;
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

  private async readCurrent(folder: string, name: string): Promise<RefState> {
    const path = join(folder, CURRENT);
    let text: string;
    try {
      text = await mapStorageErrors(path, 'read', () => readFile(path, 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw error;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (isRefRecord(record)) return record;
    return {
      corrupt: new IntegrityError(
        `Ref "${name}" is corrupt (${path} is not a valid ref record); set it again with refs.set("${name}", value) without expected, or delete it with refs.delete("${name}")`,
      ),
    };
  }

  async getRef(name: string): Promise<string | undefined> {
    const state = await this.readCurrent(this.refFolder(name), name);
    if (isCorrupt(state)) throw state.corrupt;
    return state?.value;
  }

  /**
   * Takes the right to replace the record whose token is `token`. Lock files are named after that
   * token, and a token is never reused, so a writer that read an old record can only lock a name
   * whose record is gone, which it then notices. A lock whose holder died is taken over through
   * the next generation's name, which again only one writer can create.
   * Returns the lock's path, or undefined when a live writer holds it.
   */
  private async lock(folder: string, token: string): Promise<string | undefined> {
    const owner = JSON.stringify({ pid: process.pid });
    for (let generation = 0; ; generation++) {
      const path = join(folder, `${LOCK_PREFIX}${token}-${generation}`);
      const temp = await this.createTemp();
      try {
        await temp.handle.writeFile(owner);
        await temp.handle.close();
        await link(temp.path, path);
        return path;
      } catch (error) {
        await temp.handle.close().catch(() => undefined);
        if (!isExisting(error)) throw error;
      } finally {
        await rm(temp.path, { force: true });
        this.activeTemps.delete(temp.path);
      }
      const holder = await readFile(path, 'utf8').then(
        (text) => (JSON.parse(text) as { pid: number }).pid,
        () => undefined,
      );
      if (holder !== undefined && processIsAlive(holder)) return undefined;
    }
  }

  private async unlock(folder: string, token: string, path: string): Promise<void> {
    // Earlier generations belong to dead writers; the record they guarded is gone now.
    const prefix = `${LOCK_PREFIX}${token}-`;
    for (const name of await readdir(folder)) {
      if (name.startsWith(prefix) && join(folder, name) !== path)
        await rm(join(folder, name), { force: true });
    }
    await rm(path, { force: true });
  }

  compareAndSetRef(
    name: string,
    value: string | undefined,
    expected: string | null | undefined,
  ): Promise<boolean> {
    const folder = this.refFolder(name);
    return mapStorageErrors(folder, `write ref "${name}" in`, () =>
      this.compareAndSetIn(folder, name, value, expected),
    );
  }

  private async compareAndSetIn(
    folder: string,
    name: string,
    value: string | undefined,
    expected: string | null | undefined,
  ): Promise<boolean> {
    const record: RefRecord =
      value === undefined ? { token: newToken(), deleted: true } : { token: newToken(), value };
    const tokenOf = (state: RefState) =>
      isCorrupt(state) ? CORRUPT_TOKEN : (state?.token ?? ABSENT_TOKEN);
    for (let attempt = 0; ; attempt++) {
      const state = await this.readCurrent(folder, name);
      // A corrupt record cannot be compared with, only replaced by an unconditional write.
      if (isCorrupt(state) && expected !== undefined) throw state.corrupt;
      const current = isCorrupt(state) ? undefined : state;
      const currentValue = current?.value;
      if (
        expected !== undefined &&
        (expected === null ? currentValue !== undefined : currentValue !== expected)
      ) {
        return false;
      }
      if (value === undefined && currentValue === undefined && !isCorrupt(state)) {
        return expected !== undefined;
      }
      await this.ensureFolder(folder);
      const token = tokenOf(state);
      const lock = await this.lock(folder, token);
      if (lock === undefined) {
        // Another live writer is replacing this record: wait for it, then look again.
        await delay(Math.min(50, 1 + attempt) * (0.5 + Math.random()));
        continue;
      }
      try {
        if (tokenOf(await this.readCurrent(folder, name)) !== token) continue;
        const temp = await this.createTemp();
        try {
          await temp.handle.writeFile(JSON.stringify(record));
          await temp.handle.sync();
          await temp.handle.close();
          await rename(temp.path, join(folder, CURRENT));
        } catch (error) {
          await temp.handle.close().catch(() => undefined);
          await rm(temp.path, { force: true });
          throw error;
        } finally {
          this.activeTemps.delete(temp.path);
        }
        await syncDirectory(folder);
        return true;
      } finally {
        await this.unlock(folder, token, lock);
      }
    }
  }

  listRefs(prefix: string, onProblem?: RefProblemHandler): Promise<string[]> {
    return mapStorageErrors(this.refRoot, 'list refs in', () => this.listRefsIn(prefix, onProblem));
  }

  private async listRefsIn(prefix: string, onProblem?: RefProblemHandler): Promise<string[]> {
    const names: string[] = [];
    const walk = async (folder: string, name: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw error;
      }
      if (
        name !== '' &&
        name.startsWith(prefix) &&
        entries.some((entry) => entry.name === CURRENT)
      ) {
        const state = await this.readCurrent(folder, name);
        if (isCorrupt(state)) onProblem?.({ name, error: state.corrupt });
        else if (state?.value !== undefined) names.push(name);
      }
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const child = name === '' ? entry.name : `${name}/${entry.name}`;
        if (child.startsWith(prefix) || prefix.startsWith(`${child}/`)) {
          await walk(join(folder, entry.name), child);
        }
      }
    };
    await walk(this.refRoot, '');
    return names.sort();
  }
}
