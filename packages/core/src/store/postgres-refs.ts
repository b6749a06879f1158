import { randomBytes } from 'node:crypto';
import type * as Pg from 'pg';
import { MlinfraError, NotFoundError, ValidationError } from '../errors/index.js';
import { UnavailableError } from '../errors/unavailable-error.js';
import type { RefBackend } from './combined-backend.js';
import { NETWORK_ERROR_CODES } from './internal/network-errors.js';
import { defaultImporter, importPeer, type ModuleImporter } from './internal/optional-peer.js';
import { redactSecrets, redactUrl } from './redact-url.js';

/** Connection settings of the PostgreSQL ref backend. */
export interface PostgresSettings {
  /** Connections the pool may open; default 10. */
  maxConnections?: number | undefined;
  /** Give up connecting after this long, in milliseconds; default 10000. */
  connectionTimeoutMs?: number | undefined;
  /**
   * TLS settings handed to `pg` (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`), used
   * when the URL has no `sslmode` (settings in the URL, such as `?sslmode=verify-full&sslrootcert=`
   * a CA file, win).
   */
  ssl?:
    | {
        ca?: string | undefined;
        cert?: string | undefined;
        key?: string | undefined;
        rejectUnauthorized?: boolean | undefined;
        servername?: string | undefined;
      }
    | undefined;
}

/** The table holding refs; the token is new on every write, so a writer can tell its own write. */
const TABLE = 'mlinfra_refs';
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  name text COLLATE "C" PRIMARY KEY,
  value text NOT NULL,
  token text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;
/** Serialises table creation between processes starting at the same time. */
const SCHEMA_LOCK = 0x6d6c_7266;
/** First half of a blob lock's advisory lock key; the second comes from the blob's digest. */
const BLOB_LOCK_SPACE = 0x6d6c_626c;
const CONNECT_ATTEMPTS = 4;

interface SharedPool {
  pool: Pg.Pool;
  ready: Promise<void>;
}

/**
 * Pools by driver importer and connection settings: stores opened on the same database share
 * connections.
 */
const poolsByImporter = new WeakMap<ModuleImporter, Map<string, Promise<SharedPool>>>();

function sqlState(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code ?? '');
}

/** Whether the failure means the server could not be reached or dropped us (so nothing ran, or it is unknown). */
function isConnectionFailure(error: unknown): boolean {
  const code = sqlState(error);
  const message = String((error as Error | null)?.message ?? '');
  return (
    NETWORK_ERROR_CODES.has(code) ||
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', '53300'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Connection refused|the database system is (starting|shutting) up/i.test(
      message,
    )
  );
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * Keeps refs in one PostgreSQL table, `mlinfra_refs` (created on first use), one row per ref.
 * Every change is one statement, so compare-and-set is atomic and a crashed process leaves no
 * partial state: `UPDATE ... WHERE name = $1 AND value = $expected`, `INSERT ... ON CONFLICT DO
 * NOTHING` for "must not exist", `DELETE ... WHERE value = $expected`. Connecting is retried; a
 * write whose answer was lost is checked by its token instead of being sent twice. The driver
 * (`pg`, an optional peer) is imported on first use; pools are shared per connection string and
 * let the process exit when idle.
 */
export class PostgresRefBackend implements RefBackend {
  readonly location: string;
  private ready: Promise<Pg.Pool> | undefined;

  constructor(
    private readonly url: string,
    private readonly settings: PostgresSettings = {},
    private readonly importer: ModuleImporter = defaultImporter,
  ) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new ValidationError(
        `Refs need a PostgreSQL URL such as postgres://user:password@host:5432/database, got ${JSON.stringify(redactUrl(url))}`,
      );
    }
    this.location = redactUrl(url);
  }

  private secrets(): string[] {
    try {
      const password = decodeURIComponent(new URL(this.url).password);
      return password === '' ? [] : [password, new URL(this.url).password];
    } catch {
      return [];
    }
  }

  /** Typed error for a failed statement or connection. */
  private failure(action: string, error: unknown, ambiguous = false): unknown {
    if (MlinfraError.isInstance(error)) return error;
    const code = sqlState(error);
    const detail = redactSecrets(String((error as Error | null)?.message ?? error), this.secrets());
    if (code === '28P01' || code === '28000') {
      return new UnavailableError(
        `PostgreSQL at ${this.location} refused the credentials (${detail}); check the user and password in the URL`,
        this.location,
        { cause: error },
      );
    }
    if (code === '3D000') {
      return new NotFoundError(
        `PostgreSQL at ${this.location} has no such database (${detail}); create it (createdb) or fix the URL`,
        { cause: error },
      );
    }
    if (code === '42501') {
      return new UnavailableError(
        `PostgreSQL at ${this.location} denied ${action} (${detail}); grant the user access to table ${TABLE} (or CREATE on the schema)`,
        this.location,
        { cause: error },
      );
    }
    if (isConnectionFailure(error)) {
      const outcome = ambiguous
        ? ' The connection broke after the change was sent, so it may or may not have been applied; read the ref before retrying.'
        : '';
      return new UnavailableError(
        `PostgreSQL at ${this.location} is unavailable: ${action} failed (${detail}); check that the server is running and reachable, then retry.${outcome}`,
        this.location,
        { cause: error },
      );
    }
    return new MlinfraError(
      `PostgreSQL at ${this.location} refused ${action} (${detail})`,
      'INTERNAL',
      {
        cause: error,
      },
    );
  }

  private shared(): Promise<SharedPool> {
    const pools = poolsByImporter.get(this.importer) ?? new Map<string, Promise<SharedPool>>();
    poolsByImporter.set(this.importer, pools);
    const key = JSON.stringify([this.url, this.settings]);
    const existing = pools.get(key);
    if (existing !== undefined) return existing;
    const opening = this.openPool();
    pools.set(key, opening);
    // A pool that could not start (driver missing, server down) is dropped; the next call retries.
    opening
      .then((shared) => shared.ready)
      .catch(async () => {
        if (pools.get(key) === opening) pools.delete(key);
        const shared = await opening.catch(() => undefined);
        await shared?.pool.end().catch(() => undefined);
      });
    return opening;
  }

  private async openPool(): Promise<SharedPool> {
    const pg = await importPeer<{ default: typeof Pg }>(
      'pg',
      'npm install pg',
      `refs on ${this.location}`,
      this.importer,
    );
    const Pool = (pg.default ?? pg).Pool;
    const pool = new Pool({
      connectionString: this.url,
      max: this.settings.maxConnections ?? 10,
      connectionTimeoutMillis: this.settings.connectionTimeoutMs ?? 10_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      ...(this.settings.ssl === undefined ? {} : { ssl: this.settings.ssl }),
    });
    // An idle connection the server dropped is discarded by the pool; nothing to report.
    pool.on('error', () => undefined);
    return { pool, ready: this.createTable(pool) };
  }

  private async createTable(pool: Pg.Pool): Promise<void> {
    const client = await this.connect(pool);
    try {
      const found = await client.query(`SELECT to_regclass('${TABLE}') AS existing`);
      if (found.rows[0]?.existing != null) return;
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(CREATE_TABLE);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.failure(`creating table ${TABLE}`, error);
    } finally {
      client.release();
    }
  }

  /** A pooled connection; connecting is retried, since nothing has been sent yet. */
  private async connect(pool: Pg.Pool): Promise<Pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await pool.connect();
      } catch (error) {
        if (attempt >= CONNECT_ATTEMPTS || !isConnectionFailure(error)) {
          throw this.failure('connecting', error);
        }
        await delay(100 * 3 ** (attempt - 1));
      }
    }
  }

  /** Runs one statement on a pooled connection; a broken connection is not reused. */
  private async query<R extends Pg.QueryResultRow>(
    pool: Pg.Pool,
    text: string,
    values: unknown[],
    retry: boolean,
  ): Promise<Pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect(pool);
      try {
        const result = await client.query<R>(text, values);
        client.release();
        return result;
      } catch (error) {
        client.release(isConnectionFailure(error) ? (error as Error) : undefined);
        if (retry && attempt < CONNECT_ATTEMPTS && isConnectionFailure(error)) {
          await delay(100 * 3 ** (attempt - 1));
          continue;
        }
        throw error;
      }
    }
  }

  /** The shared pool once its table exists; driver import errors pass through unchanged. */
  private pool(): Promise<Pg.Pool> {
    this.ready ??= this.shared().then(async ({ pool, ready }) => {
      await ready;
      return pool;
    });
    // A failed start (server down, driver missing) is retried by the next call.
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  async getRef(name: string): Promise<string | undefined> {
    const pool = await this.pool();
    try {
      const result = await this.query<{ value: string }>(
        pool,
        `SELECT value FROM ${TABLE} WHERE name = $1`,
        [name],
        true,
      );
      return result.rows[0]?.value;
    } catch (error) {
      throw this.failure(`reading ref "${name}"`, error);
    }
  }

  async listRefs(prefix: string): Promise<string[]> {
    const pool = await this.pool();
    try {
      const result = await this.query<{ name: string }>(
        pool,
        `SELECT name FROM ${TABLE} WHERE name LIKE $1 ESCAPE '\\' ORDER BY name`,
        [likePrefix(prefix)],
        true,
      );
      return result.rows.map((row) => row.name);
    } catch (error) {
      throw this.failure('listing refs', error);
    }
  }

  /**
   * Holds a PostgreSQL advisory lock on the blob (shared, or exclusive) while `run` runs, on a
   * connection of its own; a crashed holder's lock goes away with its connection.
   */
  async withBlobLock<T>(key: string, exclusive: boolean, run: () => Promise<T>): Promise<T> {
    const pool = await this.pool();
    const client = await this.connect(pool);
    const mode = exclusive ? '' : '_shared';
    const values = [BLOB_LOCK_SPACE, blobLockId(key)];
    try {
      await client.query(`SELECT pg_advisory_lock${mode}($1, $2)`, values);
    } catch (error) {
      client.release(error as Error);
      throw this.failure('locking a blob', error);
    }
    try {
      return await run();
    } finally {
      await client.query(`SELECT pg_advisory_unlock${mode}($1, $2)`, values).then(
        () => client.release(),
        (error: Error) => client.release(error),
      );
    }
  }

  async compareAndSetRef(
    name: string,
    value: string | undefined,
    expected: string | null | undefined,
  ): Promise<boolean> {
    const action = `${value === undefined ? 'deleting' : 'setting'} ref "${name}"`;
    const token = randomBytes(12).toString('hex');
    const [text, values] = statementFor(name, value, expected, token);
    // Unconditional writes land the same way twice, so they may be retried; conditional ones not.
    const idempotent = expected === undefined;
    const pool = await this.pool();
    try {
      const result = await this.query(pool, text, values, idempotent);
      return idempotent || (result.rowCount ?? 0) > 0;
    } catch (error) {
      if (!isConnectionFailure(error) || value === undefined) {
        throw this.failure(action, error, value === undefined && !idempotent);
      }
      // The answer was lost: our token in the row means the write landed.
      const landed = await this.query<{ token: string }>(
        pool,
        `SELECT token FROM ${TABLE} WHERE name = $1`,
        [name],
        true,
      ).then(
        (result) => result.rows[0]?.token === token,
        () => undefined,
      );
      if (landed === true) return true;
      throw this.failure(action, error, true);
    }
  }
}

/** A 32-bit lock id from a blob key (`sha256/<hex>`): its first 8 hex digits, signed. */
function blobLockId(key: string): number {
  const hex = /[0-9a-f]{8}/.exec(key.slice(key.indexOf('/') + 1))?.[0] ?? '0';
  return Number.parseInt(hex, 16) | 0;
}

/** The one statement that performs a compare-and-set; it affects a row exactly when it succeeds. */
function statementFor(
  name: string,
  value: string | undefined,
  expected: string | null | undefined,
  token: string,
): [string, unknown[]] {
  if (value === undefined) {
    if (expected === undefined) return [`DELETE FROM ${TABLE} WHERE name = $1`, [name]];
    if (expected === null) {
      return [`SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM ${TABLE} WHERE name = $1)`, [name]];
    }
    return [`DELETE FROM ${TABLE} WHERE name = $1 AND value = $2`, [name, expected]];
  }
  if (expected === undefined) {
    return [
      `INSERT INTO ${TABLE} (name, value, token) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, token = EXCLUDED.token, updated_at = now()`,
      [name, value, token],
    ];
  }
  if (expected === null) {
    return [
      `INSERT INTO ${TABLE} (name, value, token) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
      [name, value, token],
    ];
  }
  return [
    `UPDATE ${TABLE} SET value = $2, token = $3, updated_at = now() WHERE name = $1 AND value = $4`,
    [name, value, token, expected],
  ];
}
