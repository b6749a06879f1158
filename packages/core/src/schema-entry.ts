/**
 * `@mlinfra/core/schema`: table schema and errors without any `node:` import, for browsers and
 * edge runtimes.
 * @packageDocumentation
 */

export * from './csv/index.js';
export * from './errors/index.js';
export * from './schema/index.js';
