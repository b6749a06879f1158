import { StorageError } from '../../errors/index.js';

/** What each operating-system code means for the user, and what to do about it. */
const ADVICE: Record<string, string> = {
  ENOSPC: 'the disk is full; free space or move the store to a larger disk',
  EDQUOT: 'the disk quota is used up; free space or raise the quota',
  EFBIG: 'the file is larger than this file system or process allows; raise the limit',
  EACCES: 'permission denied; give this user read and write access to the store folder',
  EPERM: 'operation not permitted; give this user read and write access to the store folder',
  EROFS: 'the file system is read-only; mount it read-write or move the store',
  EMFILE:
    'this process has too many open files; raise the limit (ulimit -n) or run fewer operations at once',
  ENFILE: 'the system has too many open files; raise the limit or close other programs',
  EIO: 'the device reported an I/O error; check the disk (dmesg) and restore from a copy if needed',
  ENOTEMPTY: 'a folder the store needs to replace is not empty; remove stray files in it',
  ENAMETOOLONG: 'the path is too long for this file system; move the store to a shorter path',
  ELOOP: 'the path has a symbolic link loop; fix the links in the store folder',
  ENOTDIR: 'a path component is a file where a folder is expected; remove the stray file',
  EISDIR: 'a folder is where a file is expected; remove the stray folder',
  EBUSY: 'the file is busy; retry when the other program is done with it',
  ETIMEDOUT: 'the storage timed out; check the network file system and retry',
  ESTALE: 'the network file handle is stale; remount the file system and retry',
};

/** The operating-system code of an error from `node:fs`, if it has one. */
export function systemCodeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * Turns an operating-system failure of a storage operation into a {@link StorageError} that names
 * the code, the path and the fix. Other errors (ours, or unknown kinds) come back unchanged.
 */
export function toStorageError(error: unknown, path: string, action: string): unknown {
  if (StorageError.isInstance(error)) return error;
  const code = systemCodeOf(error);
  if (code === undefined || code === 'ENOENT' || code === 'EEXIST') return error;
  const advice = ADVICE[code] ?? 'the operating system refused it';
  return new StorageError(`Cannot ${action} ${path}: ${code}, ${advice}`, code, path, {
    cause: error,
  });
}

/** Runs `operation` and maps an operating-system failure to a {@link StorageError}. */
export async function mapStorageErrors<T>(
  path: string,
  action: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStorageError(error, path, action);
  }
}

/** Passes the chunks through, mapping an operating-system failure while reading them. */
export async function* mapStorageErrorsOf<T>(
  path: string,
  action: string,
  chunks: AsyncIterable<T>,
): AsyncGenerator<T> {
  try {
    yield* chunks;
  } catch (error) {
    throw toStorageError(error, path, action);
  }
}
