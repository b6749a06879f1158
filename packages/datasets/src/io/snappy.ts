// Raw Snappy block codec (not the framed format), as Parquet uses it, in plain TypeScript.
//
// Block format (google/snappy format_description.txt): a varint of the uncompressed length, then
// elements whose first byte's two low bits are the tag:
//   00 literal: length-1 in the upper 6 bits when < 60, else 60..63 = 1..4 little-endian bytes of
//      length-1 follow; then the bytes themselves;
//   01 copy, 1-byte offset: length 4..11 in bits 2..4, offset bits 8..10 in bits 5..7, then offset
//      bits 0..7;
//   10 copy, 2-byte offset: length 1..64 (length-1 in the upper 6 bits), then a 16-bit LE offset;
//   11 copy, 4-byte offset: as 10 with a 32-bit LE offset (never produced here, decoded).
//
// The compressor follows the reference's CompressFragment: the input is cut into 64 KiB fragments
// so every offset fits in 16 bits and the hash table holds Uint16 positions; a 4-byte hash finds
// candidates, a skip heuristic accelerates through incompressible data, and after each copy the
// next position is tried at once (runs of copies are common in column data).
//
// Measured in V8 (Node 20, benchmarks/datasets/snappy.bench.ts and variants): 4-byte loads and
// stores through a DataView compress about 2x faster than assembling bytes with shifts; short
// literals and copies move as 32-bit words (writing up to 15 bytes past them, which later
// elements overwrite, only where the buffers have room); long literals use TypedArray.set. The
// newer reference's skip (`skip += skip >>> 5`, which counts bytes rather than misses) passes
// incompressible data at several GB/s; on low-cardinality floats it finds fewer matches than
// snappyjs's `skip++` (85% vs 79% of the input on the benchmark's float32 column).

/** Fragment size of the reference implementation: offsets within one fragment fit 16 bits. */
const FRAGMENT_BYTES = 1 << 16;
/** Largest hash table, 2^14 Uint16 entries (32 KiB), reused between calls. */
const MAX_HASH_BITS = 14;
/** The reference stops looking for matches this close to a fragment's end (4-byte loads stay in). */
const INPUT_MARGIN_BYTES = 15;
/** Literals at least this long are copied with TypedArray.set; shorter ones byte by byte. */
const LONG_LITERAL_BYTES = 32;
/** Largest uncompressed length the varint preamble can state. */
const MAX_LENGTH = 0xffffffff;

/** Largest output buffer snappyCompress keeps between calls (enough for 3.5 MB inputs). */
const MAX_SCRATCH_BYTES = 1 << 22;

const hashTable = new Uint16Array(1 << MAX_HASH_BITS);
let scratch = new Uint8Array(0);

/**
 * Upper bound of the compressed size of `inputBytes` bytes: `32 + n + floor(n / 6)`, the bound of
 * the reference implementation. Size the output of {@link snappyCompressInto} with it.
 */
export function snappyMaxCompressedLength(inputBytes: number): number {
  return 32 + inputBytes + Math.floor(inputBytes / 6);
}

/**
 * Compresses `input` into a new Uint8Array holding one raw Snappy block (varint length preamble,
 * then literals and copies), as Parquet's SNAPPY codec stores pages.
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const bound = snappyMaxCompressedLength(input.length);
  if (bound > MAX_SCRATCH_BYTES) {
    const output = new Uint8Array(bound);
    return output.slice(0, snappyCompressInto(input, output));
  }
  // Compress into a kept buffer, then copy out the exact size: writing fresh memory is what costs
  // (page faults; several ms per MiB on a loaded machine), and this way only the result is fresh.
  if (scratch.length < bound) scratch = new Uint8Array(Math.min(MAX_SCRATCH_BYTES, bound * 2));
  return scratch.slice(0, snappyCompressInto(input, scratch));
}

/**
 * Compresses `input` into `output` (no output allocation: reuse `output` across pages) and returns
 * the number of bytes written. `output` must hold at least
 * {@link snappyMaxCompressedLength}(input.length) bytes, else it throws before writing anything,
 * and must not overlap `input`. Bytes of `output` past the returned length may be overwritten. Reuses one module-level 32 KiB hash table (each worker
 * thread has its own module instance).
 */
export function snappyCompressInto(input: Uint8Array, output: Uint8Array): number {
  const length = input.length;
  if (length > MAX_LENGTH) {
    throw new Error(`snappy: input of ${length} bytes exceeds the format's 4 GiB - 1 limit`);
  }
  const needed = snappyMaxCompressedLength(length);
  if (output.length < needed) {
    throw new Error(
      `snappy: output buffer has ${output.length} bytes, needs snappyMaxCompressedLength(${length}) = ${needed}`,
    );
  }
  let op = 0;
  let value = length;
  while (value >= 0x80) {
    output[op++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  output[op++] = value;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const outView = new DataView(output.buffer, output.byteOffset, output.byteLength);
  for (let start = 0; start < length; start += FRAGMENT_BYTES) {
    const end = Math.min(start + FRAGMENT_BYTES, length);
    op = compressFragment(input, view, outView, start, end, output, op);
  }
  return op;
}

/** Compresses input[start, end) (at most 64 KiB) into output at `op`; returns the new `op`. */
function compressFragment(
  input: Uint8Array,
  view: DataView,
  outView: DataView,
  start: number,
  end: number,
  output: Uint8Array,
  op: number,
): number {
  const size = end - start;
  const outputLength = output.length;
  let bits = 8;
  while (bits < MAX_HASH_BITS && 1 << bits < size) bits++;
  const shift = 32 - bits;
  const table = hashTable;
  table.fill(0, 0, 1 << bits);

  let nextEmit = start;
  if (size >= INPUT_MARGIN_BYTES) {
    const ipLimit = end - INPUT_MARGIN_BYTES;
    let ip = start + 1;
    let nextData = view.getInt32(ip, true);
    outer: for (;;) {
      // Step 1: find a 4-byte match. After 32 misses look at every 2nd byte, then faster.
      let skip = 32;
      let nextIp = ip;
      let candidate = 0;
      for (;;) {
        ip = nextIp;
        const data = nextData;
        const hash = Math.imul(data, 0x1e35a7bd) >>> shift;
        const step = skip >>> 5;
        skip += step;
        nextIp = ip + step;
        if (nextIp > ipLimit) break outer;
        nextData = view.getInt32(nextIp, true);
        candidate = start + table[hash]!;
        table[hash] = ip - start;
        if (data === view.getInt32(candidate, true)) break;
      }

      // Step 2: the bytes since the last element are a literal.
      const literal = ip - nextEmit;
      if (literal <= 16 && op + 17 <= outputLength) {
        // Short literal (the common case between close matches): tag and 16 bytes in words;
        // the bytes written past it are overwritten next. ip + 16 < end holds (ip <= ipLimit).
        output[op] = (literal - 1) << 2;
        outView.setInt32(op + 1, view.getInt32(nextEmit, true), true);
        outView.setInt32(op + 5, view.getInt32(nextEmit + 4, true), true);
        outView.setInt32(op + 9, view.getInt32(nextEmit + 8, true), true);
        outView.setInt32(op + 13, view.getInt32(nextEmit + 12, true), true);
        op += literal + 1;
      } else {
        op = emitLiteral(input, nextEmit, ip, output, op);
      }

      // Step 3: emit the copy, then try the very next position before searching again.
      for (;;) {
        const matchStart = ip;
        const offset = ip - candidate;
        let a = ip + 4;
        for (;;) {
          if (a > end - 4) {
            while (a < end && input[a] === input[a - offset]) a++;
            break;
          }
          const difference = view.getInt32(a, true) ^ view.getInt32(a - offset, true);
          if (difference !== 0) {
            // Index of the lowest differing byte: trailing zero bits via clz32(x & -x).
            a += (31 - Math.clz32(difference & -difference)) >>> 3;
            break;
          }
          a += 4;
        }
        ip = a;
        const matched = ip - matchStart;
        if (matched < 12 && offset < 2048) {
          output[op] = 1 | ((matched - 4) << 2) | ((offset >>> 8) << 5);
          output[op + 1] = offset & 0xff;
          op += 2;
        } else if (matched <= 64) {
          output[op] = 2 | ((matched - 1) << 2);
          output[op + 1] = offset & 0xff;
          output[op + 2] = offset >>> 8;
          op += 3;
        } else {
          op = emitCopy(output, op, offset, matched);
        }
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[Math.imul(view.getInt32(ip - 1, true), 0x1e35a7bd) >>> shift] = ip - 1 - start;
        const current = view.getInt32(ip, true);
        const hash = Math.imul(current, 0x1e35a7bd) >>> shift;
        candidate = start + table[hash]!;
        table[hash] = ip - start;
        if (current !== view.getInt32(candidate, true)) break;
      }
      ip++;
      nextData = view.getInt32(ip, true);
    }
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end, output, op);
  return op;
}

function emitLiteral(
  input: Uint8Array,
  from: number,
  to: number,
  output: Uint8Array,
  op: number,
): number {
  const length = to - from;
  const n = length - 1;
  if (n < 60) {
    output[op++] = n << 2;
  } else if (n < 0x100) {
    output[op++] = 60 << 2;
    output[op++] = n;
  } else {
    // Literals never span fragments, so two length bytes always suffice.
    output[op++] = 61 << 2;
    output[op++] = n & 0xff;
    output[op++] = n >>> 8;
  }
  if (length < LONG_LITERAL_BYTES) {
    for (let i = from; i < to; i++) output[op++] = input[i]!;
    return op;
  }
  output.set(input.subarray(from, to), op);
  return op + length;
}

function emitCopy(output: Uint8Array, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    output[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    output[op++] = offset & 0xff;
    return op;
  }
  const low = offset & 0xff;
  const high = offset >>> 8;
  // 64-byte copies while at least 68 remain, so the tail is never shorter than 4.
  while (length >= 68) {
    output[op++] = 2 | (63 << 2);
    output[op++] = low;
    output[op++] = high;
    length -= 64;
  }
  if (length > 64) {
    output[op++] = 2 | (59 << 2);
    output[op++] = low;
    output[op++] = high;
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    output[op++] = 1 | ((length - 4) << 2) | (high << 5);
    output[op++] = low;
    return op;
  }
  output[op++] = 2 | ((length - 1) << 2);
  output[op++] = low;
  output[op++] = high;
  return op;
}

/** Position after the preamble, set by readPreamble (avoids allocating a pair per call). */
let preambleEnd = 0;

function readPreamble(input: Uint8Array): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (i >= input.length) {
      throw new Error('snappy: corrupt input, the length preamble is truncated');
    }
    const byte = input[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (value > MAX_LENGTH) break;
      preambleEnd = i + 1;
      return value;
    }
    scale *= 128;
  }
  throw new Error('snappy: corrupt input, the length preamble exceeds 32 bits');
}

/**
 * Uncompressed length in bytes stated by a raw Snappy block's varint preamble. Throws an Error
 * when the preamble is truncated or longer than 32 bits.
 */
export function snappyUncompressedLength(input: Uint8Array): number {
  return readPreamble(input);
}

/**
 * Decompresses one raw Snappy block into `output`, which must be exactly
 * {@link snappyUncompressedLength}(input) bytes long (pass `buffer.subarray(0, n)` to reuse a
 * larger buffer). Throws a plain Error naming the problem on corrupt input (truncated element,
 * offset 0 or before the start, more or fewer bytes than the preamble states); never reads or
 * writes outside the two arrays, which must not overlap. An empty input decodes to an empty output,
 * as hyparquet accepts it.
 */
export function snappyUncompress(input: Uint8Array, output: Uint8Array): void {
  const inputLength = input.length;
  const outputLength = output.length;
  if (inputLength === 0 && outputLength === 0) return;
  const declared = readPreamble(input);
  if (declared !== outputLength) {
    throw new Error(
      `snappy: the block declares ${declared} uncompressed bytes but the output buffer has ${outputLength}`,
    );
  }
  const inView = new DataView(input.buffer, input.byteOffset, inputLength);
  const outView = new DataView(output.buffer, output.byteOffset, outputLength);
  let ip = preambleEnd;
  let op = 0;
  // While a whole element (tag, 4 offset bytes, 16 literal bytes) fits in the input and 68 bytes
  // fit in the output, short literals and copies skip the truncation and overflow checks.
  const fastInputEnd = inputLength - 21;
  const fastOutputEnd = outputLength - 68;
  while (ip < inputLength) {
    if (ip < fastInputEnd && op < fastOutputEnd) {
      const tag = input[ip]!;
      const kind = tag & 3;
      if (kind === 0) {
        const length = (tag >>> 2) + 1;
        if (length <= 16) {
          outView.setInt32(op, inView.getInt32(ip + 1, true), true);
          outView.setInt32(op + 4, inView.getInt32(ip + 5, true), true);
          outView.setInt32(op + 8, inView.getInt32(ip + 9, true), true);
          outView.setInt32(op + 12, inView.getInt32(ip + 13, true), true);
          ip += length + 1;
          op += length;
          continue;
        }
      } else if (kind !== 3) {
        let length: number;
        let offset: number;
        if (kind === 1) {
          length = ((tag >>> 2) & 7) + 4;
          offset = ((tag >>> 5) << 8) | input[ip + 1]!;
          ip += 2;
        } else {
          length = (tag >>> 2) + 1;
          offset = input[ip + 1]! | (input[ip + 2]! << 8);
          ip += 3;
        }
        if (offset === 0 || offset > op) {
          throw new Error(
            `snappy: corrupt input, copy offset ${offset} at output byte ${op} is out of range`,
          );
        }
        let from = op - offset;
        const stop = op + length;
        if (offset >= 4) {
          while (op < stop) {
            outView.setInt32(op, outView.getInt32(from, true), true);
            op += 4;
            from += 4;
          }
          op = stop;
        } else {
          while (op < stop) output[op++] = output[from++]!;
        }
        continue;
      }
    }
    const tag = input[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let length = (tag >>> 2) + 1;
      if (length <= 16 && ip + 16 <= inputLength && op + 16 <= outputLength) {
        // Short literal with room on both sides: copy 16 bytes in four words; the bytes past
        // `length` are overwritten by the next elements (or left over in an error).
        outView.setInt32(op, inView.getInt32(ip, true), true);
        outView.setInt32(op + 4, inView.getInt32(ip + 4, true), true);
        outView.setInt32(op + 8, inView.getInt32(ip + 8, true), true);
        outView.setInt32(op + 12, inView.getInt32(ip + 12, true), true);
        ip += length;
        op += length;
        continue;
      }
      if (length > 60) {
        const lengthBytes = length - 60;
        if (ip + lengthBytes > inputLength) {
          throw new Error(`snappy: corrupt input, literal length truncated at byte ${ip}`);
        }
        length = input[ip]!;
        if (lengthBytes > 1) length |= input[ip + 1]! << 8;
        if (lengthBytes > 2) length |= input[ip + 2]! << 16;
        if (lengthBytes > 3) length = (length | (input[ip + 3]! << 24)) >>> 0;
        length += 1;
        ip += lengthBytes;
      }
      if (length > inputLength - ip) {
        throw new Error(
          `snappy: corrupt input, literal of ${length} bytes runs past the input end`,
        );
      }
      if (length > outputLength - op) {
        throw new Error(
          `snappy: corrupt input, literal overflows the declared length ${outputLength}`,
        );
      }
      if (length < LONG_LITERAL_BYTES) {
        const stop = ip + length;
        while (ip < stop) output[op++] = input[ip++]!;
      } else {
        output.set(input.subarray(ip, ip + length), op);
        ip += length;
        op += length;
      }
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= inputLength) throw new Error('snappy: corrupt input, copy truncated at the end');
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[ip++]!;
    } else if (kind === 2) {
      if (ip + 2 > inputLength) throw new Error('snappy: corrupt input, copy truncated at the end');
      length = (tag >>> 2) + 1;
      offset = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > inputLength) throw new Error('snappy: corrupt input, copy truncated at the end');
      length = (tag >>> 2) + 1;
      offset = inView.getUint32(ip, true);
      ip += 4;
    }
    if (offset === 0 || offset > op) {
      throw new Error(
        `snappy: corrupt input, copy offset ${offset} at output byte ${op} is out of range`,
      );
    }
    if (length > outputLength - op) {
      throw new Error(`snappy: corrupt input, copy overflows the declared length ${outputLength}`);
    }
    let from = op - offset;
    const stop = op + length;
    if (offset >= 4 && stop + 3 <= outputLength) {
      // Word copies read only bytes already written when the offset is at least 4, even where
      // the copy overlaps itself; the up to 3 bytes written past `stop` are rewritten later.
      while (op < stop) {
        outView.setInt32(op, outView.getInt32(from, true), true);
        op += 4;
        from += 4;
      }
      op = stop;
    } else {
      while (op < stop) output[op++] = output[from++]!;
    }
  }
  if (op !== outputLength) {
    throw new Error(
      `snappy: corrupt input, it decodes to ${op} bytes but declares ${outputLength}`,
    );
  }
}
