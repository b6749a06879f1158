import { MissingDependencyError, MlinfraError, redactUrl, ValidationError } from '@mlinfra/core';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { passwordOf, scrub } from '../internal/redact.js';
import { dialectRules } from './dialect.js';
import { translatePostgresError } from './postgres-errors.js';
import type { SqlDriver, SqlExecutor, SqlValue } from './sql-driver.js';

/** Options of {@link openPostgresDriver}. */
export interface PostgresDriverOptions {
  /** How long a write waits for another writer (PostgreSQL `lock_timeout`), and for a connection, in ms. */
  busyTimeoutMs: number;
  /** Every transaction is read-only (`BEGIN READ ONLY`): writes fail naming the fix. */
  readonly: boolean;
  /** Most connections the pool opens. */
  maxConnections: number;
}

/** The NOTIFY channel the registry's audit log announces changes on. */
export const CHANGE_CHANNEL = 'mlinfra_registry';

// One key for every registry writer: write transactions take this transaction-level advisory
// lock first, so they run one at a time (as SQLite's BEGIN IMMEDIATE does) and audit ids become
// visible in increasing order, which watchers rely on.
const WRITE_LOCK_KEY = 0x6d6c6966; // "mlif"

type PgModule = typeof import('pg');

/** Loads `pg`, the optional peer dependency. @throws MissingDependencyError naming the install. */
export async function importPg(
  load: () => Promise<unknown> = () => import('pg'),
): Promise<PgModule> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (error) {
    throw new MissingDependencyError(
      'The PostgreSQL backend of @mlinfra/registry needs the pg package; install it with `npm install pg`',
      { cause: error },
    );
  }
  const module = ((loaded as { default?: unknown }).default ?? loaded) as PgModule;
  if (typeof module?.Pool !== 'function') {
    throw new MissingDependencyError(
      'The installed pg package has no Pool; install a supported version with `npm install pg@8`',
    );
  }
  return module;
}

const INT8_OID = 20;
/** Tries to open a connection before a transaction reports UNAVAILABLE (waits 100, 300 ms). */
const CONNECT_ATTEMPTS = 3;
const statementNames = new Map<string, string>();

/** A prepared statement name per SQL text, so each connection parses a statement once. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `mlinfra_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return name;
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly rules = dialectRules('postgres');
  private closed = false;

  constructor(
    private readonly pg: PgModule,
    private readonly pool: Pool,
    private readonly url: string,
    readonly location: string,
    private readonly options: PostgresDriverOptions,
  ) {
    // An idle connection that the server dropped is reported here, not thrown.
    pool.on('error', () => undefined);
  }

  private fail(error: unknown): never {
    throw translatePostgresError(
      error,
      this.location,
      passwordOf(this.url),
      this.options.busyTimeoutMs,
    );
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new MlinfraError('The registry is closed; open it again with openRegistry()', 'CLOSED');
    }
  }

  private async query(
    client: Pool | PoolClient,
    sql: string,
    parameters: readonly SqlValue[],
  ): Promise<QueryResult> {
    this.checkOpen();
    const text = this.rules.placeholders(sql);
    try {
      return await client.query({
        name: statementName(text),
        text,
        values: parameters as unknown[],
      });
    } catch (error) {
      this.fail(error);
    }
  }

  private executor(client: Pool | PoolClient): SqlExecutor {
    return {
      all: async <Row>(sql: string, parameters: readonly SqlValue[] = []) =>
        (await this.query(client, sql, parameters)).rows as Row[],
      get: async <Row>(sql: string, parameters: readonly SqlValue[] = []) =>
        (await this.query(client, sql, parameters)).rows[0] as Row | undefined,
      run: async (sql: string, parameters: readonly SqlValue[] = []) => ({
        changes: (await this.query(client, sql, parameters)).rowCount ?? 0,
      }),
    };
  }

  all<Row>(sql: string, parameters: readonly SqlValue[] = []): Promise<Row[]> {
    return this.executor(this.pool).all<Row>(sql, parameters);
  }

  get<Row>(sql: string, parameters: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.executor(this.pool).get<Row>(sql, parameters);
  }

  run(sql: string, parameters: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.executor(this.pool).run(sql, parameters);
  }

  async transaction<T>(
    mode: 'read' | 'write',
    work: (executor: SqlExecutor) => Promise<T>,
  ): Promise<T> {
    this.checkOpen();
    if (mode === 'write') return this.attempt(mode, work);
    // A read changes nothing, so one that lost its connection (a restarted server, a dropped
    // idle connection) runs once more on a fresh one.
    try {
      return await this.attempt(mode, work);
    } catch (error) {
      if (!(MlinfraError.isInstance(error) && error.code === 'UNAVAILABLE') || this.closed) {
        throw error;
      }
      return this.attempt(mode, work);
    }
  }

  /** A pooled connection; connecting is retried (nothing was sent yet, so it is always safe). */
  private async connect(): Promise<PoolClient> {
    for (let attempt = 1; ; attempt++) {
      this.checkOpen();
      try {
        return await this.pool.connect();
      } catch (error) {
        const translated = translatePostgresError(
          error,
          this.location,
          passwordOf(this.url),
          this.options.busyTimeoutMs,
        );
        const retry = MlinfraError.isInstance(translated) && translated.code === 'UNAVAILABLE';
        if (!retry || attempt >= CONNECT_ATTEMPTS) throw translated;
        await new Promise((resolve) => setTimeout(resolve, 100 * 3 ** (attempt - 1)));
      }
    }
  }

  private async attempt<T>(
    mode: 'read' | 'write',
    work: (executor: SqlExecutor) => Promise<T>,
  ): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      try {
        await client.query(
          mode === 'read'
            ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'
            : this.options.readonly
              ? 'BEGIN READ ONLY'
              : `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`,
        );
      } catch (error) {
        broken = true;
        this.fail(error);
      }
      let result: T;
      try {
        result = await work(this.executor(client));
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
      try {
        await client.query('COMMIT');
      } catch (error) {
        broken = true;
        this.fail(error);
      }
      return result;
    } finally {
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    this.checkOpen();
    try {
      await this.pool.query(script);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Calls `listener` whenever a write transaction that appended to the audit log commits, in any
   * process (LISTEN on {@link CHANGE_CHANNEL}). Returns a function that stops listening.
   */
  async onChange(listener: () => void): Promise<() => Promise<void>> {
    this.checkOpen();
    const client = new this.pg.Client({ connectionString: this.url });
    client.on('error', () => undefined);
    client.on('notification', () => listener());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      // Like the poll timer, listening alone does not keep the process alive.
      (
        client as unknown as { connection?: { stream?: { unref?: () => void } } }
      ).connection?.stream?.unref?.();
    } catch (error) {
      await client.end().catch(() => undefined);
      this.fail(error);
    }
    return async () => {
      await client.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Opens a PostgreSQL database for the registry through a `pg` connection pool (`pg` is an
 * optional peer dependency, loaded here). BIGINT columns come back as JavaScript numbers; write
 * transactions run one at a time (a transaction-level advisory lock); read transactions see one
 * snapshot (REPEATABLE READ). Nothing connects until the first query.
 * @throws MissingDependencyError when `pg` is not installed.
 */
export async function openPostgresDriver(
  url: string,
  options: PostgresDriverOptions,
): Promise<SqlDriver> {
  const location = redactUrl(url);
  try {
    new URL(url);
  } catch {
    // No cause: Node's URL error carries the input, password included.
    throw new ValidationError(
      `The database URL ${location} is not a valid URL; write it as postgres://user:password@host:5432/database (percent-encode special characters in the password)`,
    );
  }
  const pg = await importPg();
  const parseInt8 = (value: string) => Number(value);
  let pool: Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections,
      connectionTimeoutMillis: Math.max(1, Math.round(options.busyTimeoutMs)),
      lock_timeout: Math.max(1, Math.round(options.busyTimeoutMs)),
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID
            ? parseInt8
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
  } catch (error) {
    throw new ValidationError(
      `pg refused the database URL ${location}: ${scrub(String((error as Error).message), passwordOf(url))}`,
    );
  }
  return new PostgresDriver(pg, pool, url, location, options);
}
