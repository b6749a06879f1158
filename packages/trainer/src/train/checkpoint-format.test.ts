import { IntegrityError, ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
import { SeededRandom } from './rng.js';

describe('checkpoint format', () => {
  it('round-trips state and arrays bit for bit (including NaN payloads and -0)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float32Array({ maxLength: 20 }), { maxLength: 5 }),
        fc.jsonValue(),
        (arrays, state) => {
          const encoded = encodeCheckpoint(
            state,
            arrays.map((data, index) => ({
              name: `a/${index}`,
              dtype: 'float32',
              shape: [data.length],
              data,
            })),
          );
          // Decode from an unaligned view into a bigger buffer, as a Node Buffer from the store may be.
          const padded = new Uint8Array(encoded.length + 3);
          padded.set(encoded, 3);
          const decoded = decodeCheckpoint(padded.subarray(3));
          expect(decoded.state).toEqual(JSON.parse(JSON.stringify(state)));
          arrays.forEach((data, index) => {
            const back = decoded.arrays.get(`a/${index}`)?.data as Float32Array;
            expect(new Uint8Array(back.buffer)).toEqual(
              new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
            );
          });
        },
      ),
    );
  });

  it('rejects other bytes and truncated checkpoints with typed errors', () => {
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"format":"x"}'))).toThrow(
      ValidationError,
    );
    const encoded = encodeCheckpoint({ step: 1 }, [
      { name: 'w', dtype: 'float32', shape: [4], data: new Float32Array(4) },
    ]);
    expect(() => decodeCheckpoint(encoded.subarray(0, encoded.length - 4))).toThrow(IntegrityError);
  });
});

describe('SeededRandom', () => {
  it('continues exactly from a saved state and gives permutations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 50 }),
        (seed, skip) => {
          const random = new SeededRandom(seed);
          for (let index = 0; index < skip; index++) random.next();
          const copy = SeededRandom.fromState(random.state());
          const next = [random.next(), random.next()];
          expect([copy.next(), copy.next()]).toEqual(next);
          expect(next.every((value) => value >= 0 && value < 1)).toBe(true);
          const permutation = Array.from(new SeededRandom(seed).permutation(20));
          expect([...permutation].sort((a, b) => a - b)).toEqual(
            Array.from({ length: 20 }, (_, index) => index),
          );
        },
      ),
    );
    expect(new SeededRandom(1).next()).not.toBe(new SeededRandom(2).next());
  });

  it('drives Math.random only inside the callback', () => {
    const random = new SeededRandom(5);
    const original = Math.random;
    const inside = random.drive(() => [Math.random(), Math.random()]);
    expect(Math.random).toBe(original);
    const again = new SeededRandom(5);
    expect(inside).toEqual([again.next(), again.next()]);
  });
});
