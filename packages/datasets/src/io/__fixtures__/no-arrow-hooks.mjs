// Module hooks that make apache-arrow impossible to resolve, as in an app that never installed it.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'apache-arrow' || specifier.startsWith('apache-arrow/')) {
    const error = new Error(`Cannot find package '${specifier}' (hidden by no-arrow-hooks.mjs)`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}
