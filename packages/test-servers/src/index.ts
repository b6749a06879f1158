/**
 * `@mlinfra/test-servers`: real PostgreSQL and S3 servers for mlinfra's tests, examples and
 * benchmarks. Private to this repository. The servers alone (without the vitest types) are the
 * `./servers` entry, which this one repeats.
 * @packageDocumentation
 */
export type { ProvidedTestServers } from './global-setup.js';
export * from './servers.js';
