import type { ValidationIssue } from './mlinfra-error.js';

interface ZodLikeIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** Converts zod issues into mlinfra validation issues (symbol keys become strings). */
export function fromZodIssues(
  issues: readonly ZodLikeIssue[],
  prefix: ReadonlyArray<string | number> = [],
): ValidationIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))],
    message: issue.message,
  }));
}
