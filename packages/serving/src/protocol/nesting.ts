import { type FieldPath, fail } from './tensor-data.js';

/** Deepest nesting of objects and arrays accepted inside one raw `/v1` row. */
export const MAX_RAW_ROW_DEPTH = 32;

/**
 * Fails when `value` nests objects or arrays more than `maxDepth` levels (`value` itself is level
 * 1), walking without recursion so that a body nested 10,000 levels cannot overflow the stack.
 * @throws ValidationError naming the path where the limit is crossed.
 */
export function checkNesting(
  value: unknown,
  maxDepth: number,
  path: FieldPath,
  message: string,
): void {
  if (typeof value !== 'object' || value === null) return;
  const pending: { value: object; path: FieldPath; depth: number }[] = [{ value, path, depth: 1 }];
  while (pending.length > 0) {
    const { value: container, path: at, depth } = pending.pop()!;
    for (const [key, child] of Object.entries(container)) {
      if (typeof child !== 'object' || child === null) continue;
      const childPath = [...at, Array.isArray(container) ? Number(key) : key];
      if (depth + 1 > maxDepth) {
        fail(message, childPath, `objects and arrays nested deeper than ${maxDepth} levels`);
      }
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}
