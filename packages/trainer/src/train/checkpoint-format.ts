import { IntegrityError, ValidationError } from '@mlinfra/core';

/** The `format` field of checkpoint headers this version writes. */
export const CHECKPOINT_FORMAT = 'mlinfra-checkpoint@1';
const MAGIC = new TextEncoder().encode('MLCKPT01');

/** One named array inside a checkpoint. */
export interface CheckpointArray {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

interface ArrayEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  byteOffset: number;
  length: number;
}

interface Header {
  format: typeof CHECKPOINT_FORMAT;
  state: unknown;
  arrays: ArrayEntry[];
}

/**
 * Encodes a checkpoint as one blob: magic, u32 header length, JSON header, padding to 8 bytes,
 * then the arrays' raw little-endian bytes. One blob means one atomic write and a ref that points
 * straight at everything (so `store.gc` keeps it whole).
 */
export function encodeCheckpoint(state: unknown, arrays: readonly CheckpointArray[]): Uint8Array {
  const entries: ArrayEntry[] = [];
  let dataBytes = 0;
  for (const array of arrays) {
    entries.push({
      name: array.name,
      dtype: array.dtype,
      shape: array.shape,
      byteOffset: dataBytes,
      length: array.data.length,
    });
    dataBytes += array.data.byteLength;
  }
  const header: Header = { format: CHECKPOINT_FORMAT, state, arrays: entries };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((MAGIC.length + 4 + json.length) / 8) * 8;
  const out = new Uint8Array(dataStart + dataBytes);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  let offset = dataStart;
  for (const array of arrays) {
    out.set(
      new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength),
      offset,
    );
    offset += array.data.byteLength;
  }
  return out;
}

/** Decodes {@link encodeCheckpoint}'s bytes. @throws ValidationError when the bytes are not a checkpoint. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  digest = 'the blob',
): { state: unknown; arrays: Map<string, CheckpointArray> } {
  const isCheckpoint =
    bytes.length >= MAGIC.length + 4 && MAGIC.every((byte, index) => bytes[index] === byte);
  if (!isCheckpoint) {
    throw new ValidationError(
      `${digest} is not a trainer checkpoint; pass a digest from listCheckpoints() or train()`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)),
    ) as Header;
  } catch (error) {
    throw new IntegrityError(
      `Checkpoint ${digest} has an unreadable header; resume from an older checkpoint`,
      { cause: error },
    );
  }
  if (header.format !== CHECKPOINT_FORMAT) {
    throw new ValidationError(
      `Checkpoint ${digest} has format ${JSON.stringify(header.format)}; this version reads ${CHECKPOINT_FORMAT}`,
    );
  }
  const dataStart = Math.ceil((MAGIC.length + 4 + jsonLength) / 8) * 8;
  const arrays = new Map<string, CheckpointArray>();
  for (const entry of header.arrays) {
    const start = dataStart + entry.byteOffset;
    const width = 4;
    if (start + entry.length * width > bytes.byteLength) {
      throw new IntegrityError(
        `Checkpoint ${digest} is truncated at array ${entry.name}; resume from an older checkpoint`,
      );
    }
    const copy = new Uint8Array(entry.length * width);
    copy.set(bytes.subarray(start, start + entry.length * width));
    const data =
      entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    arrays.set(entry.name, { name: entry.name, dtype: entry.dtype, shape: entry.shape, data });
  }
  return { state: header.state, arrays };
}
