import {
  type BlobSource,
  ConflictError,
  type Digest,
  isDigest,
  NotFoundError,
  ValidationError,
} from '@mlinfra/core';
import type { SqlExecutor, SqlValue } from '../driver/sql-driver.js';
import type { RegistryContext } from '../internal/context.js';
import { isRooted, keepReachable, withPin } from '../internal/gc-roots.js';
import { assertKey, assertTags } from '../internal/validate.js';
import type { MetricPoint, ParamValue, RunArtifact, RunRecord, RunStatus } from '../types.js';
import {
  encodeParam,
  type MetricHistoryOptions,
  placeholders,
  readMetricHistory,
  readRun,
} from './run-queries.js';

/** Options of {@link Run.logMetrics}. */
export interface LogMetricsOptions {
  /**
   * Training step, an integer >= 0. Default: one more than the step of this handle's previous
   * `logMetrics` call (0 for the first).
   */
  step?: number;
  /** When the values were measured: a Date or milliseconds since the epoch. Default now. */
  timestamp?: Date | number;
}

/** A reference to bytes already in the core store, for {@link Run.logArtifact}. */
export interface StoredBlob {
  /** Digest of the blob in the core store. */
  digest: string;
  /**
   * Its size in bytes, as `store.put()` returned it (so its result can be passed as is).
   * `registerModel` checks it against the store (an IntegrityError when they differ).
   */
  size?: number;
}

interface PendingPoint {
  key: string;
  step: number;
  at: number;
  value: number | null;
}

const ROWS_PER_INSERT = 200;
const END_STATUSES: ReadonlySet<string> = new Set(['finished', 'failed', 'killed']);

function isStoredBlob(value: unknown): value is StoredBlob {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !(Symbol.asyncIterator in value) &&
    !(Symbol.iterator in value) &&
    typeof (value as StoredBlob).digest === 'string'
  );
}

async function assertRunning(executor: SqlExecutor, runId: string, doing: string): Promise<void> {
  const row = await executor.get<{ status: string }>('SELECT status FROM runs WHERE id = ?', [
    runId,
  ]);
  if (row === undefined) {
    throw new NotFoundError(
      `Run ${runId} does not exist; it may have been created in another registry database`,
    );
  }
  if (row.status !== 'running') {
    throw new ConflictError(
      `Cannot ${doing}: run ${runId} has ended (${row.status}); start a new run to record more`,
    );
  }
}

/**
 * A handle on a run that is being recorded. It satisfies `@mlinfra/trainer`'s `RunLogger`:
 * `logParams`, `logMetrics`, `logArtifact`, `setTags`.
 *
 * Metric points are buffered and written in batches (every `metricBatchSize` points or
 * `metricFlushIntervalMs`, and by {@link Run.flush} and {@link Run.end}); everything else is
 * written before the returned promise resolves. A failed background write is thrown by the next
 * `logMetrics`, `flush` or `end`.
 */
export class Run {
  private pending: PendingPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private nextStep = 0;
  private readonly series = new Map<string, number>();
  private ended = false;

  /** @internal Use `registry.startRun()` or `registry.openRun()`. */
  constructor(
    private readonly context: RegistryContext,
    /** Run id: 32 lowercase hex digits. */
    readonly id: string,
    /** The experiment the run belongs to. */
    readonly experiment: string,
  ) {}

  /**
   * Records parameters. A parameter is immutable: setting it again to the same value is a no-op,
   * to a different value a ConflictError (and nothing in the call is written).
   * @throws ConflictError, ValidationError.
   */
  async logParams(params: Record<string, ParamValue>): Promise<void> {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ValidationError('logParams() takes an object of parameter names to values');
    }
    const entries = Object.entries(params).map(([key, value]) => {
      assertKey(key, 'param');
      if (
        !(typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') ||
        (typeof value === 'number' && !Number.isFinite(value))
      ) {
        throw new ValidationError(
          `Param "${key}" must be a string, finite number or boolean, got ${typeof value === 'number' ? value : typeof value}; JSON.stringify objects first`,
        );
      }
      return [key, encodeParam(value)] as const;
    });
    if (entries.length === 0) return;
    const { driver } = this.context;
    const added = await driver.transaction('write', async (executor) => {
      await assertRunning(executor, this.id, 'log params');
      const existing = await executor.all<{ key: string; value: string; type: string }>(
        `SELECT key, value, type FROM run_params WHERE run_id = ? AND key IN (${placeholders(entries.length)})`,
        [this.id, ...entries.map(([key]) => key)],
      );
      const stored = new Map(existing.map((row) => [row.key, row]));
      const conflicts: string[] = [];
      const fresh: Array<readonly [string, { text: string; type: string }]> = [];
      for (const entry of entries) {
        const old = stored.get(entry[0]);
        if (old === undefined) fresh.push(entry);
        else if (old.value !== entry[1].text || old.type !== entry[1].type) {
          conflicts.push(`"${entry[0]}" is ${old.value}, not ${entry[1].text}`);
        }
      }
      if (conflicts.length > 0) {
        throw new ConflictError(
          `Params of run ${this.id} are immutable and ${conflicts.join(', ')}; log the new value under another name or start a new run`,
        );
      }
      for (const [key, { text, type }] of fresh) {
        // ON CONFLICT keeps this safe on databases where another writer can slip in between the
        // read above and this insert (PostgreSQL under READ COMMITTED); SQLite's write lock cannot.
        const inserted = await executor.run(
          `INSERT INTO run_params (run_id, key, value, type) VALUES (?, ?, ?, ?)
           ON CONFLICT (run_id, key) DO NOTHING`,
          [this.id, key, text, type],
        );
        if (inserted.changes === 0) {
          throw new ConflictError(
            `Param "${key}" of run ${this.id} was set by another writer at the same time; read the run and retry`,
          );
        }
      }
      if (fresh.length > 0) {
        await this.context.audit(executor, {
          action: 'run.params',
          runId: this.id,
          details: { params: Object.fromEntries(fresh.map(([key]) => [key, params[key]!])) },
        });
      }
      return fresh.length;
    });
    if (added > 0) this.context.changed();
  }

  /**
   * Appends metric values (append-only; history is kept). Values may be NaN or infinite.
   * Also accepts `logMetrics(step, values)`.
   * @throws ValidationError for a non-number value or bad step; the error of a failed earlier
   * background write.
   */
  logMetrics(values: Record<string, number>, options?: LogMetricsOptions): Promise<void>;
  logMetrics(step: number, values: Record<string, number>): Promise<void>;
  async logMetrics(
    first: Record<string, number> | number,
    second?: LogMetricsOptions | Record<string, number>,
  ): Promise<void> {
    this.throwFailure();
    if (this.ended) {
      throw new ConflictError(
        `Cannot log metrics: run ${this.id} has ended; start a new run to record more`,
      );
    }
    let values: Record<string, number>;
    let options: LogMetricsOptions;
    if (typeof first === 'number') {
      values = (second ?? {}) as Record<string, number>;
      options = { step: first };
    } else {
      values = first;
      options = (second ?? {}) as LogMetricsOptions;
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new ValidationError('logMetrics() takes an object of metric names to numbers');
    }
    const step = options.step ?? this.nextStep;
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new ValidationError(`Metric step must be an integer >= 0, got ${step}`);
    }
    const timestamp = options.timestamp ?? this.context.now();
    const at = timestamp instanceof Date ? timestamp.getTime() : timestamp;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new ValidationError(
        'Metric timestamp must be a valid Date or milliseconds since the epoch',
      );
    }
    const points: PendingPoint[] = [];
    for (const [key, value] of Object.entries(values)) {
      assertKey(key, 'metric');
      if (typeof value !== 'number') {
        throw new ValidationError(
          `Metric "${key}" must be a number, got ${typeof value}; convert tensors with await tensor.data() first`,
        );
      }
      points.push({ key, step, at: Math.round(at), value: Number.isNaN(value) ? null : value });
    }
    this.nextStep = Math.max(this.nextStep, step + 1);
    for (const point of points) this.pending.push(point);
    if (this.pending.length >= this.context.metricBatchSize) {
      await this.flush();
    } else if (this.timer === undefined && this.pending.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((error: unknown) => {
          this.failure ??= error;
        });
      }, this.context.metricFlushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes buffered metric points now. */
  async flush(): Promise<void> {
    this.throwFailure();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const points = this.pending;
    this.pending = [];
    const write = this.writing.then(() =>
      points.length > 0 ? this.writePoints(points) : undefined,
    );
    this.writing = write.catch(() => undefined);
    await write;
  }

  private throwFailure(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw failure;
  }

  private async writePoints(points: PendingPoint[]): Promise<void> {
    const latest = new Map<string, PendingPoint>();
    for (const point of points) {
      const current = latest.get(point.key);
      if (
        current === undefined ||
        point.step > current.step ||
        (point.step === current.step && point.at >= current.at)
      ) {
        latest.set(point.key, point);
      }
    }
    const found = new Map<string, number>();
    await this.context.driver.transaction('write', async (executor) => {
      await assertRunning(executor, this.id, 'log metrics');
      for (const key of latest.keys()) {
        if (this.series.has(key)) continue;
        // A new series starts below every real step, so the update below always takes.
        await executor.run(
          `INSERT INTO metric_series (run_id, key, step, at, value) VALUES (?, ?, -1, 0, NULL)
           ON CONFLICT (run_id, key) DO NOTHING`,
          [this.id, key],
        );
        const row = await executor.get<{ id: number }>(
          'SELECT id FROM metric_series WHERE run_id = ? AND key = ?',
          [this.id, key],
        );
        found.set(key, Number(row!.id));
      }
      const seriesOf = (key: string) => this.series.get(key) ?? found.get(key)!;
      for (let start = 0; start < points.length; start += ROWS_PER_INSERT) {
        const chunk = points.slice(start, start + ROWS_PER_INSERT);
        const parameters: SqlValue[] = [];
        for (const point of chunk)
          parameters.push(seriesOf(point.key), point.step, point.at, point.value);
        await executor.run(
          `INSERT INTO metrics (series_id, step, at, value) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`,
          parameters,
        );
      }
      for (const point of latest.values()) {
        await executor.run(
          `UPDATE metric_series SET step = ?, at = ?, value = ?
           WHERE id = ? AND (step < ? OR (step = ? AND at <= ?))`,
          [
            point.step,
            point.at,
            point.value,
            seriesOf(point.key),
            point.step,
            point.step,
            point.at,
          ],
        );
      }
    });
    // Only committed series ids are remembered.
    for (const [key, id] of found) this.series.set(key, id);
  }

  /**
   * Sets tags (mutable; a new value replaces the old one). Allowed after the run ended.
   * @throws ValidationError for a non-string value.
   */
  async setTags(tags: Record<string, string>): Promise<void> {
    const checked = assertTags(tags, 'run');
    const entries = Object.entries(checked);
    if (entries.length === 0) return;
    await this.context.driver.transaction('write', async (executor) => {
      const exists = await executor.get('SELECT 1 AS found FROM runs WHERE id = ?', [this.id]);
      if (exists === undefined) throw new NotFoundError(`Run ${this.id} does not exist`);
      for (const [key, value] of entries) {
        await executor.run(
          `INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)
           ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
          [this.id, key, value],
        );
      }
      await this.context.audit(executor, {
        action: 'run.tags',
        runId: this.id,
        details: { tags: checked },
      });
    });
    this.context.changed();
  }

  /**
   * Stores bytes in the core store and records them under `name`. Logging the same bytes under
   * the same name again is a no-op; different bytes under a used name are a ConflictError (use a
   * new name such as `checkpoint-epoch-3`). Pass `{ digest }` to record a blob already stored.
   * @throws ConflictError, ValidationError, NotFoundError (unknown digest).
   */
  async logArtifact(name: string, data: BlobSource | StoredBlob): Promise<RunArtifact> {
    assertKey(name, 'artifact');
    const { store, driver, now } = this.context;
    let digest: Digest;
    let size: number;
    if (isStoredBlob(data)) {
      if (!isDigest(data.digest)) {
        throw new ValidationError(
          `Invalid digest ${JSON.stringify(data.digest)}; pass the digest store.put() returned`,
        );
      }
      const named = data.digest;
      digest = named;
      size = (await store.stat(named)).size;
      // A gc root before the row that names the blob (the project's gc rule), pinned meanwhile.
      await withPin(store, async (pin) => {
        if (pin !== undefined && !isRooted(store, named)) await pin.add([named]);
        await keepReachable(store, named);
      });
    } else {
      ({ digest, size } = await withPin(store, async (pin) => {
        const stored = await store.put(data, pin === undefined ? {} : { pin });
        await keepReachable(store, stored.digest);
        return stored;
      }));
    }
    const loggedAt = now();
    const artifact = await driver.transaction('write', async (executor) => {
      await assertRunning(executor, this.id, `log artifact "${name}"`);
      const existing = await executor.get<{ digest: string; size: number; logged_at: number }>(
        'SELECT digest, size, logged_at FROM run_artifacts WHERE run_id = ? AND name = ?',
        [this.id, name],
      );
      if (existing !== undefined) {
        if (existing.digest !== digest) {
          throw new ConflictError(
            `Run ${this.id} already has an artifact "${name}" with other bytes (${existing.digest}); artifacts are immutable, so log this one under a new name`,
          );
        }
        return {
          name,
          digest,
          size: Number(existing.size),
          loggedAt: new Date(Number(existing.logged_at)),
        };
      }
      await executor.run(
        'INSERT INTO run_artifacts (run_id, name, digest, size, logged_at) VALUES (?, ?, ?, ?, ?)',
        [this.id, name, digest, size, loggedAt],
      );
      await this.context.audit(executor, {
        action: 'run.artifact',
        runId: this.id,
        details: { name, digest, size },
      });
      return { name, digest, size, loggedAt: new Date(loggedAt) };
    });
    this.context.changed();
    return artifact;
  }

  /**
   * Writes buffered metrics and marks the run ended. Calling it again after the run ended is a
   * no-op. @param status default `'finished'`.
   */
  async end(status: Exclude<RunStatus, 'running'> = 'finished'): Promise<void> {
    if (!END_STATUSES.has(status)) {
      throw new ValidationError(
        `Run status must be "finished", "failed" or "killed", got ${JSON.stringify(status)}`,
      );
    }
    if (!this.ended) await this.flush();
    this.ended = true;
    this.context.runEnded(this);
    const changed = await this.context.driver.transaction('write', async (executor) => {
      const result = await executor.run(
        "UPDATE runs SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
        [status, this.context.now(), this.id],
      );
      if (result.changes === 0) return false;
      await this.context.audit(executor, {
        action: 'run.ended',
        runId: this.id,
        details: { status },
      });
      return true;
    });
    if (changed) this.context.changed();
  }

  /** Everything recorded about the run so far (buffered metrics are flushed first). */
  async info(): Promise<RunRecord> {
    if (!this.ended && this.pending.length > 0) await this.flush();
    return this.context.driver.transaction('read', (executor) => readRun(executor, this.id));
  }

  /** The history of one metric, by step. Buffered points are flushed first. */
  async metricHistory(key: string, options?: MetricHistoryOptions): Promise<MetricPoint[]> {
    if (!this.ended && this.pending.length > 0) await this.flush();
    return readMetricHistory(this.context.driver, this.id, assertKey(key, 'metric'), options);
  }
}
