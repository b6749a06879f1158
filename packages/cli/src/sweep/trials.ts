import { ValidationError } from '@mlinfra/core';
import type { SweepConfig } from './sweep-config.js';

/** How many trials a sweep has: the grid's size, or `trials` of a random search. */
export function trialCount(sweep: SweepConfig): number {
  if (sweep.search === 'random') return sweep.trials ?? 1;
  let count = 1;
  for (const values of Object.values(sweep.parameters)) count *= (values as unknown[]).length;
  return count;
}

/** A 32-bit PRNG (mulberry32): the same seed and trial give the same sample on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The parameter values of trial `index` (0-based): the index-th combination of a grid (the last
 * parameter varies fastest), or a sample seeded by the sweep's seed and the index.
 */
export function trialParameters(sweep: SweepConfig, index: number): Record<string, unknown> {
  const count = trialCount(sweep);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ValidationError(
      `Trial ${index} does not exist: sweep "${sweep.name}" has trials 0..${count - 1}; set JOB_COMPLETION_INDEX (or --trial) in that range`,
    );
  }
  const entries = Object.entries(sweep.parameters);
  const chosen: Record<string, unknown> = {};
  if (sweep.search === 'grid') {
    let rest = index;
    for (let position = entries.length - 1; position >= 0; position--) {
      const [path, values] = entries[position]! as [string, unknown[]];
      chosen[path] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    return Object.fromEntries(entries.map(([path]) => [path, chosen[path]]));
  }
  const next = random(sweep.seed * 1_000_003 + index);
  for (const [path, spec] of entries) {
    if (Array.isArray(spec)) {
      chosen[path] = spec[Math.floor(next() * spec.length)];
      continue;
    }
    const { min, max, scale, integer } = spec;
    const u = next();
    let value =
      scale === 'log' && min > 0
        ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)))
        : min + u * (max - min);
    if (integer) value = Math.round(value);
    chosen[path] = value;
  }
  return chosen;
}

/** A copy of `config` with each dotted path set to its value (objects on the way are created). */
export function withParameters(
  config: Record<string, unknown>,
  parameters: Record<string, unknown>,
): Record<string, unknown> {
  const copy = structuredClone(config);
  for (const [path, value] of Object.entries(parameters)) {
    const keys = path.split('.');
    if (
      keys.some(
        (key) => key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype',
      )
    ) {
      throw new ValidationError(
        `Sweep parameter "${path}" is not a usable path; name training config fields like "learningRate" or "model.hidden"`,
      );
    }
    let target: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) {
      const inner = target[key];
      if (inner === undefined) target[key] = {};
      else if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
        throw new ValidationError(
          `Sweep parameter "${path}" goes through "${key}", which is not an object in the training config`,
        );
      }
      target = target[key] as Record<string, unknown>;
    }
    Object.defineProperty(target, keys.at(-1)!, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
