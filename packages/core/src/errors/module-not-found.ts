/**
 * Whether `error`, thrown by `import(specifier)` or `require(specifier)`, means that `specifier`
 * itself is not installed (Node's `ERR_MODULE_NOT_FOUND`/`MODULE_NOT_FOUND`, or a bundler's or
 * vitest's "Cannot find", "Could not resolve", "Failed to load/resolve" message naming it). False
 * for other load failures, including an installed package whose own dependency is missing, so
 * callers can say "install X" only when X is what is missing. Used by the packages that load
 * optional peer dependencies lazily, to throw a MissingDependencyError naming the install command.
 */
export function isModuleNotFound(error: unknown, specifier: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  const message = String((error as { message?: unknown }).message ?? '');
  return (
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)|Could not resolve|Failed to (load|resolve)/.test(message)) &&
    message.includes(specifier)
  );
}
