import type { SqlDriver } from '../driver/sql-driver.js';
import type { JsonValue, RegistryAction, RegistryEvent } from '../types.js';

/** An audit-log row as stored. */
export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  model: string | null;
  version: number | null;
  alias: string | null;
  run_id: string | null;
  details: string;
}

/** Converts a stored audit row to the public event shape. */
export function eventFromRow(row: AuditRow): RegistryEvent {
  const event: RegistryEvent = {
    id: Number(row.id),
    action: row.action as RegistryAction,
    at: new Date(Number(row.at)),
    actor: row.actor,
    details: JSON.parse(row.details) as Record<string, JsonValue>,
  };
  if (row.model !== null) event.model = row.model;
  if (row.version !== null) event.version = Number(row.version);
  if (row.alias !== null) event.alias = row.alias;
  if (row.run_id !== null) event.runId = row.run_id;
  return event;
}

interface Subscription {
  model: string | undefined;
  cursor: Promise<number> | number;
  listener: (event: RegistryEvent) => void;
  onError: (error: unknown) => void;
  onClose: (() => void) | undefined;
}

const BATCH = 500;

/**
 * Follows the audit log for watchers. Other processes' changes are found by polling for ids
 * above each watcher's cursor every `pollIntervalMs` (an indexed range query); changes made
 * through this registry instance trigger a poll at once.
 */
export class EventHub {
  private readonly subscriptions = new Set<Subscription>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private listening: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(
    private readonly driver: SqlDriver,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * Calls `listener` with each event of `model` (every model when undefined) whose id is above
   * `afterId` (default: the newest event now, so only later changes). Returns an unsubscribe function.
   */
  subscribe(
    model: string | undefined,
    afterId: number | undefined,
    listener: (event: RegistryEvent) => void,
    onError: (error: unknown) => void,
    onClose?: () => void,
  ): () => void {
    const subscription: Subscription = {
      model,
      // Read the current end of the log now, so nothing committed after this call is missed.
      cursor:
        afterId ??
        this.driver
          .get<{ id: number | null }>('SELECT MAX(id) AS id FROM audit_log')
          .then((row) => Number(row?.id ?? 0)),
      listener,
      onError,
      onClose,
    };
    this.subscriptions.add(subscription);
    this.listen();
    this.schedule();
    return () => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        this.unlisten();
      }
    };
  }

  /** Polls soon: called after this process changed something. */
  poke(): void {
    if (this.subscriptions.size === 0) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    setImmediate(() => void this.poll());
  }

  /** Follows the driver's change notifications, where it has them, while anyone watches. */
  private listen(): void {
    if (this.listening !== undefined || this.driver.onChange === undefined) return;
    // Notifications only make watchers faster; without them (or when LISTEN fails) polling works.
    this.listening = this.driver.onChange(() => this.poke()).catch(() => undefined);
  }

  private unlisten(): void {
    void this.listening?.then((stop) => stop?.());
    this.listening = undefined;
  }

  /** Stops polling and ends every subscription (watch iterators finish). */
  close(): void {
    this.unlisten();
    const ended = [...this.subscriptions];
    this.subscriptions.clear();
    for (const subscription of ended) subscription.onClose?.();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.subscriptions.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.pollIntervalMs);
    // A watcher alone does not keep the process alive.
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.again = false;
        for (const subscription of [...this.subscriptions]) {
          try {
            await this.pollOne(subscription);
          } catch (error) {
            // The database failed (closed, corrupted): this watcher ends with the error.
            this.subscriptions.delete(subscription);
            subscription.onError(error);
          }
        }
      } while (this.again);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private async pollOne(subscription: Subscription): Promise<void> {
    for (;;) {
      const cursor = await subscription.cursor;
      const rows =
        subscription.model === undefined
          ? await this.driver.all<AuditRow>(
              'SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?',
              [cursor, BATCH],
            )
          : await this.driver.all<AuditRow>(
              'SELECT * FROM audit_log WHERE model = ? AND id > ? ORDER BY id LIMIT ?',
              [subscription.model, cursor, BATCH],
            );
      for (const row of rows) {
        if (!this.subscriptions.has(subscription)) return;
        subscription.cursor = Number(row.id);
        try {
          subscription.listener(eventFromRow(row));
        } catch (error) {
          // A throwing listener is reported, not unsubscribed, and does not stop other watchers.
          subscription.onError(error);
        }
      }
      if (rows.length < BATCH) return;
    }
  }
}
