/** State of {@link SeededRandom}: four unsigned 32-bit integers (JSON-safe). */
export type RandomState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * xoshiro128** pseudo-random generator whose whole state fits in a checkpoint, so a resumed run
 * draws exactly the numbers the uninterrupted run would have drawn.
 */
export class SeededRandom {
  private s: Uint32Array;

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.s = new Uint32Array([mix(), mix(), mix(), mix()]);
    if (this.s.every((word) => word === 0)) this.s[0] = 1;
  }

  /** A generator continuing from a saved state. */
  static fromState(state: RandomState): SeededRandom {
    const random = new SeededRandom(0);
    random.s = new Uint32Array(state);
    return random;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s as Uint32Array & { 0: number; 1: number; 2: number; 3: number };
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Current state, for checkpoints. */
  state(): RandomState {
    return [this.s[0] as number, this.s[1] as number, this.s[2] as number, this.s[3] as number];
  }

  /** A permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let index = 0; index < n; index++) out[index] = index;
    for (let index = n - 1; index > 0; index--) {
      const pick = Math.floor(this.next() * (index + 1));
      const held = out[index] as number;
      out[index] = out[pick] as number;
      out[pick] = held;
    }
    return out;
  }

  /**
   * Runs synchronous `work` with `Math.random` drawing from this generator, so tfjs's unseeded
   * initializers and dropout become reproducible. Restores `Math.random` afterwards. Only
   * synchronous code runs in between, so nothing else can observe the swap.
   */
  drive<T>(work: () => T): T {
    const original = Math.random;
    Math.random = () => this.next();
    try {
      return work();
    } finally {
      Math.random = original;
    }
  }
}

function rotl(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
