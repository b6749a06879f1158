import type { ValidationIssue } from './mlinfra-error.js';

interface SchemaInternals {
  _zod?: { def?: Record<string, unknown> & { type?: string } };
}

function defOf(schema: unknown): (Record<string, unknown> & { type?: string }) | undefined {
  return (schema as SchemaInternals | undefined)?._zod?.def;
}

/** The keys an object schema knows at `path` (through optional, default, array, union and pipe wrappers). */
function knownKeysAt(schema: unknown, path: ReadonlyArray<PropertyKey>, depth = 0): string[] {
  const def = defOf(schema);
  if (def === undefined || depth > 64) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return knownKeysAt(def.innerType, path, depth + 1);
    case 'pipe':
      return knownKeysAt(def.in, path, depth + 1);
    case 'lazy':
      return knownKeysAt((def.getter as () => unknown)(), path, depth + 1);
    case 'union':
      return [
        ...new Set(
          (def.options as unknown[]).flatMap((option) => knownKeysAt(option, path, depth + 1)),
        ),
      ];
    case 'array':
      return path.length === 0 ? [] : knownKeysAt(def.element, path.slice(1), depth + 1);
    case 'record':
      return path.length === 0 ? [] : knownKeysAt(def.valueType, path.slice(1), depth + 1);
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      if (path.length === 0) return Object.keys(shape);
      const [head, ...rest] = path;
      return typeof head === 'string' && head in shape
        ? knownKeysAt(shape[head], rest, depth + 1)
        : [];
    }
    default:
      return [];
  }
}

function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] as number) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(
        Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution),
      );
    }
    previous = current;
  }
  return previous[right.length] as number;
}

/**
 * The known key closest to `key` (case-insensitive edit distance; a key that starts the other, as
 * `start` and `startFactor`, counts as one edit), if any.
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    const prefix = lower.length > 0 && (other.startsWith(lower) || lower.startsWith(other));
    const distance = Math.min(editDistance(key, candidate), prefix ? 1 : Number.POSITIVE_INFINITY);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Turns zod's "Unrecognized key" issues into one issue per unknown key, at the key's own path,
 * whose message names the nearest known key and lists the others.
 */
export function explainUnknownKeys(
  /** A classic `zod` or `zod/mini` schema (both keep their definition in `_zod.def`). */
  schema: unknown,
  issue: { path: ReadonlyArray<PropertyKey>; keys: readonly string[] },
): ValidationIssue[] {
  const known = knownKeysAt(schema, issue.path);
  const base = issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key));
  return issue.keys.map((key) => {
    const nearest = nearestKey(key, known);
    const message =
      nearest === undefined
        ? `Unknown key "${key}"; remove it`
        : `Unknown key "${key}"; did you mean "${nearest}"? Known keys: ${known.join(', ')}`;
    return { path: [...base, key], message };
  });
}
