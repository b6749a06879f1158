import { IntegrityError, MlinfraError, StorageError, ValidationError } from '@mlinfra/core';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlExecutor, SqlValue } from './sql-driver.js';

/** Options of {@link openSqliteDriver}. */
export interface SqliteDriverOptions {
  /** How long a statement waits for another process's lock before failing, in milliseconds. */
  busyTimeoutMs: number;
  /** Open the file read-only. */
  readonly: boolean;
}

type Statement = Database.Statement<SqlValue[], unknown>;

const STATEMENT_CACHE_SIZE = 256;

/** Maps a better-sqlite3 error to an mlinfra error whose message names the fix. */
function translate(error: unknown, location: string, busyTimeoutMs: number): unknown {
  if (MlinfraError.isInstance(error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new MlinfraError(
      `The registry database ${location} stayed locked by another process for more than ${busyTimeoutMs} ms; retry, or open the registry with a larger busyTimeoutMs`,
      'TIMEOUT',
      { cause: error },
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new IntegrityError(
      `The registry database ${location} is corrupted or is not a SQLite file; restore it from a backup (the artifacts in the store are unaffected)`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) {
    return new MlinfraError(
      `The registry database ${location} is read-only; open it with write permission to change it`,
      'UNSUPPORTED',
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL') {
    return new StorageError(
      `The disk holding the registry database ${location} is full; nothing was changed. Free space there (or move the registry), then retry`,
      'ENOSPC',
      location,
      { cause: error },
    );
  }
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    return new StorageError(
      `Reading or writing the registry database ${location} failed (${code}); check the disk and its free space, then retry`,
      'EIO',
      location,
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new ValidationError(
      `Cannot open the registry database ${location}; check that its folder exists and is writable`,
      [],
      { cause: error },
    );
  }
  return error;
}

/**
 * The embedded metadata driver: one better-sqlite3 connection in WAL mode with a busy timeout.
 * better-sqlite3 is synchronous, so an in-process queue makes transactions that await between
 * statements exclusive on the connection; `BEGIN IMMEDIATE` makes write transactions exclusive
 * across processes.
 */
class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private busy = false;
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private readonly direct: SqlExecutor;

  constructor(
    private readonly database: Database.Database,
    readonly location: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.direct = {
      all: async <Row>(sql: string, parameters: readonly SqlValue[] = []) =>
        this.call(() => this.statement(sql).all(...parameters) as Row[]),
      get: async <Row>(sql: string, parameters: readonly SqlValue[] = []) =>
        this.call(() => this.statement(sql).get(...parameters) as Row | undefined),
      run: async (sql: string, parameters: readonly SqlValue[] = []) =>
        this.call(() => ({ changes: this.statement(sql).run(...parameters).changes })),
    };
  }

  private call<T>(work: () => T): T {
    if (this.closed) {
      throw new MlinfraError('The registry is closed; open it again with openRegistry()', 'CLOSED');
    }
    try {
      return work();
    } catch (error) {
      throw translate(error, this.location, this.busyTimeoutMs);
    }
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.database.prepare<SqlValue[], unknown>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private acquire(): Promise<void> | undefined {
    if (!this.busy) {
      this.busy = true;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.busy = false;
    else next();
  }

  /** A single statement needs the queue only while a transaction is open on the connection. */
  private async single<T>(work: () => T): Promise<T> {
    if (!this.busy) return work();
    await this.acquire();
    try {
      return work();
    } finally {
      this.release();
    }
  }

  all<Row>(sql: string, parameters: readonly SqlValue[] = []): Promise<Row[]> {
    return this.single(() => this.call(() => this.statement(sql).all(...parameters) as Row[]));
  }

  get<Row>(sql: string, parameters: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.single(() =>
      this.call(() => this.statement(sql).get(...parameters) as Row | undefined),
    );
  }

  run(sql: string, parameters: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.single(() =>
      this.call(() => ({ changes: this.statement(sql).run(...parameters).changes })),
    );
  }

  async transaction<T>(
    mode: 'read' | 'write',
    work: (executor: SqlExecutor) => Promise<T>,
  ): Promise<T> {
    await this.acquire();
    try {
      this.call(() => this.database.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN'));
      let result: T;
      try {
        result = await work(this.direct);
      } catch (error) {
        if (this.database.inTransaction) this.database.exec('ROLLBACK');
        throw error;
      }
      this.call(() => this.database.exec('COMMIT'));
      return result;
    } finally {
      this.release();
    }
  }

  async exec(script: string): Promise<void> {
    await this.single(() => this.call(() => this.database.exec(script)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.acquire();
    try {
      this.closed = true;
      this.statements.clear();
      this.database.close();
    } finally {
      this.release();
    }
  }
}

/**
 * Opens (creating if needed) a SQLite database file for the registry: WAL journal, a busy
 * timeout, `synchronous = NORMAL` (a committed transaction survives a killed process; the last
 * few may be lost on power failure) and foreign keys off (the registry checks references itself).
 */
export function openSqliteDriver(path: string, options: SqliteDriverOptions): SqlDriver {
  let database: Database.Database;
  try {
    database = new Database(path, {
      timeout: options.busyTimeoutMs,
      readonly: options.readonly,
      fileMustExist: options.readonly,
    });
  } catch (error) {
    throw translate(error, path, options.busyTimeoutMs);
  }
  try {
    database.pragma(`busy_timeout = ${Math.round(options.busyTimeoutMs)}`);
    if (!options.readonly) {
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
    }
  } catch (error) {
    database.close();
    throw translate(error, path, options.busyTimeoutMs);
  }
  return new SqliteDriver(database, path, options.busyTimeoutMs);
}
