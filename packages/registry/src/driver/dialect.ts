import type { SqlDialect } from './sql-driver.js';

/**
 * Everything in the registry's SQL that differs between SQLite and PostgreSQL, in one place. The
 * rest of the registry writes portable SQL with `?` placeholders and calls these for the parts
 * that differ; a driver for another database picks one of these rule sets by its `dialect`.
 *
 * The same in both dialects (so no rule here): `INSERT ... ON CONFLICT (...) DO NOTHING` and
 * `DO UPDATE SET x = excluded.x` (upserts), `UPDATE ... RETURNING` and `INSERT ... RETURNING id`,
 * `LIMIT ? OFFSET ?`, `CAST(x AS DOUBLE PRECISION)`. JSON is stored as TEXT written with
 * `JSON.stringify` and parsed in JavaScript (never queried inside the database), booleans are not
 * stored (approval is a status string), and times are BIGINT milliseconds since the Unix epoch
 * (UTC); drivers return BIGINT columns as JavaScript numbers or strings and the registry reads
 * them with `Number()`.
 */
export interface SqlDialectRules {
  /** The dialect these rules are for. */
  readonly name: SqlDialect;
  /** The column definition of an auto-increment primary key whose values only grow. */
  readonly serialPrimaryKey: string;
  /**
   * Rewrites the registry's `?` placeholders into the database's own (`$1..$n` on PostgreSQL).
   * The registry never writes `?` inside string literals, so a plain scan is enough.
   */
  placeholders(sql: string): string;
  /**
   * A search-filter pattern match of `expression` against one bound pattern. `LIKE` follows the
   * embedded default (SQLite: case-insensitive for ASCII letters) in every dialect, so a filter
   * finds the same runs on both; `ILIKE` is case-insensitive everywhere.
   */
  like(expression: string, operator: 'LIKE' | 'ILIKE'): string;
  /**
   * The suffix of a `SELECT` of one row inside a write transaction that must lock it until commit
   * (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already excludes other writers).
   */
  readonly lockRow: string;
  /**
   * The `RETURNING` list of the audit-log insert: the new `id`, plus on PostgreSQL a
   * `pg_notify` that tells other processes' watchers at commit (LISTEN/NOTIFY) at no extra round
   * trip. Watchers poll as well, so a database without notifications works the same, later.
   */
  readonly auditReturning: string;
}

const sqlite: SqlDialectRules = {
  name: 'sqlite',
  // AUTOINCREMENT: ids are never reused, so an event id only grows, which watchers rely on.
  serialPrimaryKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  placeholders: (sql) => sql,
  like: (expression, operator) =>
    operator === 'ILIKE' ? `LOWER(${expression}) LIKE LOWER(?)` : `${expression} LIKE ?`,
  lockRow: '',
  auditReturning: 'id',
};

const placeholderCache = new Map<string, string>();

const postgres: SqlDialectRules = {
  name: 'postgres',
  serialPrimaryKey: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  placeholders(sql) {
    let rewritten = placeholderCache.get(sql);
    if (rewritten === undefined) {
      let index = 0;
      rewritten = sql.replace(/\?/g, () => `$${++index}`);
      if (placeholderCache.size >= 1024) placeholderCache.clear();
      placeholderCache.set(sql, rewritten);
    }
    return rewritten;
  },
  // SQLite's LIKE ignores ASCII case, PostgreSQL's does not: ILIKE for both keeps results equal.
  like: (expression) => `${expression} ILIKE ?`,
  lockRow: ' FOR UPDATE',
  auditReturning: `id, pg_notify('mlinfra_registry', '')`,
};

const RULES: Record<SqlDialect, SqlDialectRules> = { sqlite, postgres };

/** The rules of a dialect. */
export function dialectRules(dialect: SqlDialect): SqlDialectRules {
  return RULES[dialect];
}
