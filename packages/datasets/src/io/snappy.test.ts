import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { snappyUncompress as hyparquetUncompress, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { snappyCompress as hyparquetWriterCompress } from 'hyparquet-writer/src/snappy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  snappyCompress,
  snappyCompressInto,
  snappyMaxCompressedLength,
  snappyUncompress,
  snappyUncompressedLength,
} from './snappy.js';

function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  expect(compressed.length).toBeLessThanOrEqual(snappyMaxCompressedLength(input.length));
  const output = new Uint8Array(snappyUncompressedLength(compressed));
  snappyUncompress(compressed, output);
  return output;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
function randomBytes(length: number, seed = 12345): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Byte equality; `toEqual` on megabyte arrays takes seconds, and this names the first difference. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      first = i;
      break;
    }
  }
  expect(first, 'index of the first differing byte').toBe(-1);
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

const text = new TextEncoder().encode(
  'The quick brown fox jumps over the lazy dog. '.repeat(200) +
    Array.from({ length: 2000 }, (_, i) => `row ${i}: zone_${i % 40}, flag=${i % 3 === 0}\n`).join(
      '',
    ),
);

const cases: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  'one byte': new Uint8Array([42]),
  'short string': new TextEncoder().encode('hello snappy'),
  'fifteen bytes (the input margin)': new TextEncoder().encode('abcabcabcabcabc'),
  'sixteen repeated bytes': new Uint8Array(16).fill(7),
  'all-zero 1 MiB': new Uint8Array(1 << 20),
  'random bytes': randomBytes(300_000),
  'sequential int32': bytesOf(Int32Array.from({ length: 100_000 }, (_, i) => i)),
  'random float64': bytesOf(Float64Array.from({ length: 50_000 }, () => Math.random())),
  'sqrt float64': bytesOf(Float64Array.from({ length: 50_000 }, (_, i) => Math.sqrt(i))),
  'sequential int64 timestamps': bytesOf(
    BigInt64Array.from({ length: 50_000 }, (_, i) => 1_704_067_200_000n + BigInt(i) * 1000n),
  ),
  text,
  'crossing the 64 KiB fragment boundary': (() => {
    // A repeating 1000-byte pattern straddles 65536 and 131072; random filler in between.
    const bytes = randomBytes(200_000, 99);
    const pattern = randomBytes(1000, 7);
    for (let at = 60_000; at < 200_000; at += 3000) bytes.set(pattern, at);
    return bytes;
  })(),
  'a subarray with an odd byte offset': text.subarray(3, 5003),
};

describe('snappy', () => {
  for (const [name, input] of Object.entries(cases)) {
    it(`round trips ${name}`, () => {
      expectSameBytes(roundTrip(input), input);
    });
  }

  it('compresses repetitive data and keeps random data within the bound', () => {
    expect(snappyCompress(new Uint8Array(1 << 20)).length).toBeLessThan(50_000);
    expect(snappyCompress(text).length).toBeLessThan(text.length / 3);
    const random = randomBytes(1 << 20, 5);
    const compressed = snappyCompress(random);
    expect(compressed.length).toBeGreaterThan(random.length);
    expect(compressed.length).toBeLessThan(random.length * 1.01);
  });

  it('round trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (input) => {
        expectSameBytes(roundTrip(input), input);
      }),
      { numRuns: 300 },
    );
  });

  it('round trips repetitive bytes drawn from a small alphabet (property)', () => {
    // A small alphabet makes many short and overlapping copies, the paths random bytes miss.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 70_000 }),
        fc.integer({ min: 1, max: 200 }),
        (symbols, runLength) => {
          const input = Uint8Array.from(symbols, (s, i) => (i % runLength === 0 ? s : s * 2));
          expectSameBytes(roundTrip(input), input);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decodes any valid stream of literals and copies like a byte-by-byte model (property)', () => {
    // Streams written by hand, not by our compressor: every element kind, offsets from 1 to the
    // whole output, overlapping copies and elements ending right at the buffer ends.
    const element = fc.oneof(
      fc.record({
        kind: fc.constant('literal' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }),
      }),
      fc.record({
        kind: fc.constantFrom(1, 2, 4),
        length: fc.integer({ min: 1, max: 64 }),
        // Half the copies reach back at most 12 bytes: the overlapping copies the word paths must
        // get right.
        near: fc.boolean(),
        small: fc.integer({ min: 1, max: 12 }),
        fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 60 }), (elements) => {
        const stream: number[] = [];
        const expected: number[] = [];
        for (const item of elements) {
          if (item.kind === 'literal') {
            const n = item.bytes.length - 1;
            if (n < 60) stream.push(n << 2);
            else if (n < 256) stream.push(60 << 2, n);
            else stream.push(61 << 2, n & 0xff, n >>> 8);
            stream.push(...item.bytes);
            expected.push(...item.bytes);
            continue;
          }
          if (expected.length === 0) continue;
          const offset = item.near
            ? Math.min(item.small, expected.length)
            : 1 + Math.min(expected.length - 1, Math.floor(item.fraction * expected.length));
          let length = item.length;
          if (item.kind === 1) {
            if (offset >= 2048) continue;
            length = 4 + (length % 8);
            stream.push(1 | ((length - 4) << 2) | ((offset >>> 8) << 5), offset & 0xff);
          } else if (item.kind === 2) {
            stream.push(2 | ((length - 1) << 2), offset & 0xff, offset >>> 8);
          } else {
            stream.push(3 | ((length - 1) << 2), offset & 0xff, offset >>> 8, 0, 0);
          }
          for (let i = 0; i < length; i++) expected.push(expected[expected.length - offset]!);
        }
        const preamble: number[] = [];
        for (let value = expected.length; ; value >>>= 7) {
          if (value < 0x80) {
            preamble.push(value);
            break;
          }
          preamble.push((value & 0x7f) | 0x80);
        }
        const block = Uint8Array.from([...preamble, ...stream]);
        const output = new Uint8Array(expected.length);
        snappyUncompress(block, output);
        expectSameBytes(output, Uint8Array.from(expected));
        const theirs = new Uint8Array(expected.length);
        hyparquetUncompress(block, theirs);
        expectSameBytes(theirs, output);
      }),
      { numRuns: 300 },
    );
  });

  it('compresses into a reused buffer and reports the bytes written', () => {
    const output = new Uint8Array(snappyMaxCompressedLength(text.length) + 10);
    const written = snappyCompressInto(text, output);
    expect(output.subarray(0, written)).toEqual(snappyCompress(text));
    const again = snappyCompressInto(cases['random bytes']!, new Uint8Array(400_000));
    expect(again).toBeGreaterThan(300_000);
    expect(() => snappyCompressInto(text, new Uint8Array(10))).toThrow(/snappyMaxCompressedLength/);
  });

  it('works on unaligned views into larger buffers and on Node Buffers', () => {
    const input = cases['sequential int64 timestamps']!;
    const backing = new Uint8Array(input.length + 11);
    backing.set(input, 5);
    const unaligned = backing.subarray(5, 5 + input.length);
    const space = new Uint8Array(snappyMaxCompressedLength(input.length) + 20).fill(0xee);
    const written = snappyCompressInto(unaligned, space.subarray(3));
    const compressed = space.subarray(3, 3 + written);
    expect(Buffer.compare(compressed, snappyCompress(input))).toBe(0);
    const target = new Uint8Array(input.length + 8).fill(0xee);
    snappyUncompress(compressed, target.subarray(1, 1 + input.length));
    expectSameBytes(target.subarray(1, 1 + input.length), input);
    expect([target[0], target[input.length + 1]]).toEqual([0xee, 0xee]);
    const fromBuffer = Buffer.from(text);
    const output = Buffer.alloc(text.length);
    snappyUncompress(snappyCompress(fromBuffer), output);
    expectSameBytes(output, text);
  });

  it('reads the length preamble', () => {
    expect(snappyUncompressedLength(snappyCompress(new Uint8Array(300)))).toBe(300);
    expect(snappyUncompressedLength(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe(
      0xffffffff,
    );
    expect(() => snappyUncompressedLength(new Uint8Array([0x80]))).toThrow(/truncated/);
    expect(() => snappyUncompressedLength(new Uint8Array(0))).toThrow(/truncated/);
    expect(() => snappyUncompressedLength(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x1f]))).toThrow(
      /32 bits/,
    );
    expect(() =>
      snappyUncompressedLength(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    ).toThrow(/32 bits/);
  });

  it('decodes a hand-written block using all four element kinds', () => {
    const block = new Uint8Array([
      20, // preamble: 20 bytes
      (2 - 1) << 2, // literal of 2
      0x61,
      0x62, // "ab"
      1 | ((6 - 4) << 2), // copy-1, length 6, offset 2 -> "ababab"
      2,
      2 | ((3 - 1) << 2), // copy-2, length 3, offset 8 -> "aba"
      8,
      0,
      3 | ((4 - 1) << 2), // copy-4, length 4, offset 1 -> "aaaa"
      1,
      0,
      0,
      0,
      60 << 2, // literal with a one-byte length: 5 bytes
      4,
      0x63,
      0x64,
      0x65,
      0x66,
      0x67,
    ]);
    const output = new Uint8Array(20);
    snappyUncompress(block, output);
    expect(new TextDecoder().decode(output)).toBe('abababababaaaaacdefg');
  });
});

describe('snappy interop', () => {
  for (const name of ['text', 'sequential int32', 'random bytes', 'all-zero 1 MiB', 'empty']) {
    it(`hyparquet decodes ours: ${name}`, () => {
      const input = cases[name]!;
      const output = new Uint8Array(input.length);
      hyparquetUncompress(snappyCompress(input), output);
      expectSameBytes(output, input);
    });

    it(`we decode hyparquet-writer's: ${name}`, () => {
      const input = cases[name]!;
      const compressed = hyparquetWriterCompress(input);
      const output = new Uint8Array(snappyUncompressedLength(compressed));
      snappyUncompress(compressed, output);
      expectSameBytes(output, input);
    });
  }

  it('interoperates with hyparquet both ways on any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(8), (raw, period) => {
        // Repeat a prefix to get copies as well as literals.
        const input = Uint8Array.from(raw, (byte, i) =>
          period > 0 && i >= period ? raw[i % period]! : byte,
        );
        const decodedByThem = new Uint8Array(input.length);
        hyparquetUncompress(snappyCompress(input), decodedByThem);
        expectSameBytes(decodedByThem, input);
        const decodedByUs = new Uint8Array(input.length);
        snappyUncompress(hyparquetWriterCompress(input), decodedByUs);
        expectSameBytes(decodedByUs, input);
      }),
      { numRuns: 200 },
    );
  });
});

describe('snappy on corrupt input', () => {
  const input = text.subarray(0, 20_000);
  const good = snappyCompress(input);

  it('throws on every truncation', () => {
    for (let cut = 1; cut < good.length; cut += Math.max(1, Math.floor(good.length / 500))) {
      expect(() => snappyUncompress(good.subarray(0, cut), new Uint8Array(input.length))).toThrow(
        /snappy/,
      );
    }
  });

  it('throws on offset 0 and on an offset before the start', () => {
    // literal "abcd", then copy-2 of length 4 at offset 0 / offset 5 (only 4 bytes exist)
    const zero = new Uint8Array([8, 3 << 2, 97, 98, 99, 100, 2 | (3 << 2), 0, 0]);
    expect(() => snappyUncompress(zero, new Uint8Array(8))).toThrow(/offset 0/);
    const beyond = new Uint8Array([8, 3 << 2, 97, 98, 99, 100, 2 | (3 << 2), 5, 0]);
    expect(() => snappyUncompress(beyond, new Uint8Array(8))).toThrow(/offset 5/);
    const copyFirst = new Uint8Array([4, 1, 1]);
    expect(() => snappyUncompress(copyFirst, new Uint8Array(4))).toThrow(/out of range/);
    const huge = new Uint8Array([8, 3 << 2, 97, 98, 99, 100, 3 | (3 << 2), 0xff, 0xff, 0xff, 0xff]);
    expect(() => snappyUncompress(huge, new Uint8Array(8))).toThrow(/out of range/);
  });

  it('throws when the preamble lies about the length', () => {
    // Replace the preamble to claim another length than the data holds.
    const preambleBytes = good.findIndex((byte) => byte < 0x80) + 1;
    const claim = (length: number): Uint8Array => {
      const head: number[] = [];
      for (let value = length; ; value >>>= 7) {
        if (value < 0x80) {
          head.push(value);
          break;
        }
        head.push((value & 0x7f) | 0x80);
      }
      const result = new Uint8Array(head.length + good.length - preambleBytes);
      result.set(head);
      result.set(good.subarray(preambleBytes), head.length);
      return result;
    };
    expect(snappyUncompressedLength(claim(input.length))).toBe(input.length);
    const more = claim(input.length + 1);
    expect(() => snappyUncompress(more, new Uint8Array(input.length + 1))).toThrow(/decodes to/);
    const fewer = claim(input.length - 1);
    expect(() => snappyUncompress(fewer, new Uint8Array(input.length - 1))).toThrow(/overflows/);
    expect(() => snappyUncompress(good, new Uint8Array(input.length + 5))).toThrow(/output buffer/);
    const giant = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0]);
    expect(() => snappyUncompress(giant, new Uint8Array(0))).toThrow(/declares/);
  });

  it('throws on a literal running past the input end', () => {
    const block = new Uint8Array([10, 9 << 2, 1, 2, 3]);
    expect(() => snappyUncompress(block, new Uint8Array(10))).toThrow(/past the input end/);
    const lengthCut = new Uint8Array([100, 61 << 2, 99]);
    expect(() => snappyUncompress(lengthCut, new Uint8Array(100))).toThrow(/truncated/);
    const fourByte = new Uint8Array([100, 63 << 2, 0xff, 0xff, 0xff, 0xff, 1, 2]);
    expect(() => snappyUncompress(fourByte, new Uint8Array(100))).toThrow(/past the input end/);
  });

  it('never hangs or escapes its buffers on random mutations (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const mutated = Uint8Array.from(good);
          for (const [at, byte] of edits) mutated[at] = byte;
          // Guard bytes on both sides of the output catch any out-of-bounds write.
          const backing = new Uint8Array(input.length + 64).fill(0xa5);
          const output = backing.subarray(32, 32 + input.length);
          try {
            snappyUncompress(mutated, output);
          } catch (error) {
            expect((error as Error).message).toMatch(/^snappy: /);
          }
          expect(backing.subarray(0, 32).every((byte) => byte === 0xa5)).toBe(true);
          expect(backing.subarray(32 + input.length).every((byte) => byte === 0xa5)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('snappy interop with DuckDB through Parquet files', () => {
  let folder: string;
  let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'datasets-snappy-'));
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => {
    duck?.closeSync();
    rmSync(folder, { recursive: true, force: true });
  });
  const rows = 30_000;

  it('decodes the Snappy pages DuckDB writes', async () => {
    const path = join(folder, 'duckdb.parquet');
    await duck.run(`COPY (
        SELECT i::INTEGER AS id, (i % 37) * 1.5 AS x, 'zone_' || (i % 40)::VARCHAR AS zone,
               sqrt(i::DOUBLE) AS s
        FROM range(${rows}) r(i)
      ) TO '${path}' (FORMAT parquet, COMPRESSION snappy)`);
    const bytes = readFileSync(path);
    let pages = 0;
    const decoded = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      compressors: {
        SNAPPY: (input: Uint8Array, length: number) => {
          pages++;
          const output = new Uint8Array(length);
          snappyUncompress(input, output);
          return output;
        },
      },
    });
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(decoded).toHaveLength(rows);
    for (let i = 0; i < rows; i += 997) {
      expect(decoded[i]).toEqual({
        id: i,
        x: (i % 37) * 1.5,
        zone: `zone_${i % 40}`,
        s: Math.sqrt(i),
      });
    }
  });

  it('writes Snappy pages DuckDB reads', async () => {
    const path = join(folder, 'ours.parquet');
    let pages = 0;
    const id = Int32Array.from({ length: rows }, (_, i) => i);
    const x = Float64Array.from({ length: rows }, (_, i) => (i % 37) * 1.5);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: id, type: 'INT32' },
        { name: 'x', data: x, type: 'DOUBLE' },
      ],
      codec: 'SNAPPY',
      compressors: {
        SNAPPY: (input: Uint8Array) => {
          pages++;
          return snappyCompress(input);
        },
      },
    });
    writeFileSync(path, new Uint8Array(buffer));
    expect(pages).toBeGreaterThanOrEqual(2);
    const [row] = (
      await duck.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, sum(id)::DOUBLE AS ids, sum(x) AS xs,
                count(*) FILTER (WHERE x <> (id % 37) * 1.5)::INTEGER AS wrong
         FROM read_parquet('${path}')`,
      )
    ).getRowObjectsJS();
    expect(row).toEqual({
      n: rows,
      ids: (rows * (rows - 1)) / 2,
      xs: x.reduce((sum, value) => sum + value, 0),
      wrong: 0,
    });
  });
});
