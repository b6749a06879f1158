/**
 * The metadata layer's contract. The registry speaks portable SQL (standard DDL types, `?`
 * placeholders, `ON CONFLICT`, `RETURNING`) to a driver; the parts that differ between databases
 * are the rules in `dialect.ts`, chosen by the driver's `dialect`. The embedded default is SQLite
 * through better-sqlite3; a PostgreSQL driver implements this interface and rewrites `?` with
 * `dialectRules('postgres').placeholders`.
 */

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** Runs statements. Inside a transaction, statements run on that transaction's connection. */
export interface SqlExecutor {
  /** All rows of a query. */
  all<Row>(sql: string, parameters?: readonly SqlValue[]): Promise<Row[]>;
  /** The first row of a query, or undefined. */
  get<Row>(sql: string, parameters?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Runs a statement that returns no rows; gives the number of rows it changed. */
  run(sql: string, parameters?: readonly SqlValue[]): Promise<{ changes: number }>;
}

/** Which SQL dialect a driver speaks; the registry picks dialect-specific DDL from it. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * A connection (or pool) to the metadata database. `write` transactions must exclude other
 * writers of the same rows in every process (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the registry
 * allocates versions with one `UPDATE ... RETURNING` on the model row, which takes a row lock
 * under READ COMMITTED), and `read` transactions must see one consistent snapshot.
 *
 * Watchers follow the audit log by id, so audit ids must become visible in increasing order.
 * SQLite guarantees it (one writer at a time); a PostgreSQL driver must serialise the commits of
 * write transactions that append to it (for example a transaction-level advisory lock taken in
 * `transaction('write')`), because identity values can otherwise commit out of order.
 *
 * Checked: every statement the registry issues ran unchanged (after `?` to `$n`) on PostgreSQL 15
 * through a minimal driver built on `pg`.
 */
export interface SqlDriver extends SqlExecutor {
  /** The dialect of the SQL this driver accepts. */
  readonly dialect: SqlDialect;
  /** A description of where the data lives, for messages (a file path or a URL without password). */
  readonly location: string;
  /**
   * Runs `work` in a transaction and commits it, or rolls back when `work` throws.
   * `write` transactions take the write lock at their start, so concurrent writers queue instead
   * of failing on commit.
   */
  transaction<T>(mode: 'read' | 'write', work: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements separated by `;` (schema creation). */
  exec(script: string): Promise<void>;
  /** Closes the connection. Further calls fail. */
  close(): Promise<void>;
  /**
   * Optional: calls `listener` soon after any process commits a change to the audit log
   * (PostgreSQL LISTEN/NOTIFY), so watchers need not wait for their next poll. Resolves to a
   * function that stops it. Drivers without it are polled only.
   */
  onChange?(listener: () => void): Promise<() => Promise<void>>;
}
