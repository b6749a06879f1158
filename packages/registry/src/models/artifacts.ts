import {
  type BlobSource,
  type Digest,
  IntegrityError,
  isDigest,
  NotFoundError,
  type Pin,
  type Store,
  ValidationError,
} from '@mlinfra/core';
import type { RegistryContext } from '../internal/context.js';
import {
  confirm,
  confirmedSize,
  forgetReachable,
  isRooted,
  keepReachable,
  withPin,
} from '../internal/gc-roots.js';
import type { ModelFormat } from '../types.js';

const VERIFY_IN_MEMORY_BYTES = 16 * 1024 * 1024;

/** An artifact `registerModel` takes from a file: the store streams it in. */
export interface ArtifactFile {
  /** Path of the file, such as `'model.onnx'`. */
  file: string;
}

/**
 * Whether a string artifact given without a run names a file: a relative or absolute path
 * (`./`, `../`, `/`, a Windows drive) or a name ending in `.onnx`. Anything else must be a digest.
 */
function looksLikePath(text: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(text) || /\.onnx$/i.test(text);
}

function isArtifactFile(value: unknown): value is ArtifactFile {
  return (
    typeof value === 'object' && value !== null && typeof (value as ArtifactFile).file === 'string'
  );
}

/**
 * The format an artifact shows by itself, where that is unambiguous: a file named `*.onnx`, or
 * bytes that begin like an ONNX ModelProto (field 1 `ir_version` as a small varint, then a
 * length-delimited field; JSON, which tfjs manifests are, never starts with byte 0x08).
 * Undefined when the artifact does not say (a digest, a stream, other bytes).
 */
export function inferFormat(artifact: unknown): ModelFormat | undefined {
  const file = isArtifactFile(artifact)
    ? artifact.file
    : typeof artifact === 'string' && !isDigest(artifact)
      ? artifact
      : undefined;
  if (file !== undefined) return /\.onnx$/i.test(file) ? 'onnx' : undefined;
  if (
    artifact instanceof Uint8Array &&
    artifact.length >= 3 &&
    artifact[0] === 0x08 &&
    artifact[1]! >= 1 &&
    artifact[1]! <= 0x7f &&
    (artifact[2]! & 0x07) === 2
  ) {
    return 'onnx';
  }
  return undefined;
}

/** An artifact made reachable (its gc ref set), with its size still being checked. */
export interface PreparedArtifact {
  digest: Digest;
  /**
   * The artifact's size once the store confirmed it (see {@link checkArtifact}); await it before
   * naming the digest in a row. Rejects with NotFoundError or IntegrityError.
   */
  size: Promise<number>;
}

/**
 * Finds or stores the artifact `registerModel` was given: the name of an artifact `runId` logged,
 * a digest (or `{ digest }`) already in the store, a file (`{ file }`) or bytes / a stream stored
 * now. Its gc ref is set on return; a digest's check against the store (as
 * `context.verifyArtifacts` says) runs on in `size`, so the caller can overlap it with database
 * work.
 * @throws ValidationError, NotFoundError, IntegrityError.
 */
export async function storeArtifact(
  context: RegistryContext,
  artifact: unknown,
  runId: string | undefined,
): Promise<PreparedArtifact> {
  const store = context.store;
  let digest: unknown;
  if (typeof artifact === 'string' && !isDigest(artifact) && runId !== undefined) {
    // The name of an artifact the run logged, such as "model".
    const logged = await context.driver.get<{ digest: string }>(
      'SELECT digest FROM run_artifacts WHERE run_id = ? AND name = ?',
      [runId, artifact],
    );
    if (logged === undefined && looksLikePath(artifact)) {
      return storeArtifact(context, { file: artifact }, undefined);
    }
    if (logged === undefined) {
      throw new NotFoundError(
        `Run ${runId} has no artifact named ${JSON.stringify(artifact)}; log it with run.logArtifact() first, or pass its digest`,
      );
    }
    digest = logged.digest;
  } else if (typeof artifact === 'string' && !isDigest(artifact) && looksLikePath(artifact)) {
    return storeArtifact(context, { file: artifact }, undefined);
  } else if (typeof artifact === 'string') digest = artifact;
  else if (isArtifactFile(artifact)) {
    return storeRooted(store, (pin) => store.putFile(artifact.file, pin ? { pin } : {}));
  } else if (
    typeof artifact === 'object' &&
    artifact !== null &&
    !(artifact instanceof Uint8Array) &&
    !(Symbol.asyncIterator in artifact) &&
    !(Symbol.iterator in artifact)
  ) {
    digest = (artifact as { digest?: unknown }).digest;
  } else {
    return storeRooted(store, (pin) => store.put(artifact as BlobSource, pin ? { pin } : {}));
  }
  if (!isDigest(digest)) {
    throw new ValidationError(
      `registerModel() artifact must be a digest such as "sha256:<64 hex>" (from store.put()), { digest }, the bytes, { file: path }, or with { run } the name of an artifact the run logged; got ${JSON.stringify(String(digest).slice(0, 80))}`,
    );
  }
  const checked = digest;
  // Pinned (which also proves the blob exists and refreshes its write time) until the ref is set,
  // so a gc running now cannot remove it in between; known artifacts are rooted already.
  const created = await withPin(store, async (pin) => {
    if (pin !== undefined && !isRooted(store, checked)) await pin.add([checked]);
    return keepReachable(store, checked);
  });
  const size = checkArtifact(context, checked, artifact).catch(async (error: unknown) => {
    // A digest that is not in the store leaves no ref behind.
    if (created && NotFoundError.isInstance(error)) await forgetReachable(store, checked);
    throw error;
  });
  // The caller may fail before awaiting it (an unknown run); that is not an unhandled rejection.
  size.catch(() => undefined);
  return { digest: checked, size };
}

/** Stores new bytes pinned until their ref is set (gc-safe whatever its grace). */
async function storeRooted(
  store: Store,
  put: (pin: Pin | undefined) => Promise<{ digest: Digest; size: number }>,
): Promise<PreparedArtifact> {
  return withPin(store, async (pin) => {
    const stored = await put(pin);
    await keepReachable(store, stored.digest);
    confirm(store, stored.digest, stored.size);
    return { digest: stored.digest, size: Promise.resolve(stored.size) };
  });
}

/**
 * Checks a blob given by digest as `context.verifyArtifacts` says and returns its size:
 * `true` (default): the store holds it (the store named it by the SHA-256 of the bytes it
 * received and verifies them on every read) and its size equals a size the caller gave; a size
 * the store confirmed earlier in this process for an artifact the registry rooted is reused;
 * `'hash'`: also reads it back and re-hashes it (an IntegrityError for bytes changed at rest);
 * `false`: trusts a size the caller gave without touching the store.
 */
async function checkArtifact(
  context: RegistryContext,
  digest: Digest,
  artifact: unknown,
): Promise<number> {
  const given = (artifact as { size?: unknown } | null)?.size;
  const claimed = typeof given === 'number' && Number.isSafeInteger(given) ? given : undefined;
  if (context.verifyArtifacts === false && claimed !== undefined) return claimed;
  const known =
    context.verifyArtifacts === 'hash' ? undefined : confirmedSize(context.store, digest);
  const size = known ?? (await context.store.stat(digest)).size;
  confirm(context.store, digest, size);
  if (claimed !== undefined && claimed !== size) {
    throw new IntegrityError(
      `The artifact ${digest} is ${size} bytes in the store, not the ${claimed} bytes given; pass the digest and size store.put() returned`,
    );
  }
  if (context.verifyArtifacts !== 'hash') return size;
  // Reading through the store verifies the bytes against the digest (IntegrityError otherwise).
  // Small blobs are read whole (cheaper in the core store), large ones streamed.
  if (size <= VERIFY_IN_MEMORY_BYTES) return (await context.store.read(digest)).byteLength;
  let streamed = 0;
  for await (const chunk of await context.store.get(digest)) {
    streamed += (chunk as Uint8Array).byteLength;
  }
  return streamed;
}
