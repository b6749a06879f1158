import type { PredictionRecord, PredictionSink } from '@mlinfra/core/contracts';

// Declared once in core's type-only contracts entry, where datasets and drift read them too.
export type { PredictionRecord, PredictionSink };

/** Settings of the prediction log (already validated). */
export interface PredictionLogSettings {
  sink: PredictionSink;
  sampleRate: number;
  maxPending: number;
  maxBatch: number;
  flushIntervalMs: number;
  onDropped(count: number): void;
  onWritten(count: number): void;
  onError(error: unknown): void;
}

/**
 * Sampled, asynchronous, bounded prediction log: `add` never blocks and never throws; when the
 * buffer is full, records are dropped and counted instead.
 */
export class PredictionLog {
  private pending: PredictionRecord[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly settings: PredictionLogSettings) {}

  /** True for the share of requests (`sampleRate`) whose rows should be logged. */
  sample(): boolean {
    return this.settings.sampleRate >= 1 || Math.random() < this.settings.sampleRate;
  }

  /** Records buffered and not yet handed to the sink. */
  get size(): number {
    return this.pending.length;
  }

  /** Buffers records; drops (and counts) whatever does not fit. */
  add(records: readonly PredictionRecord[]): void {
    if (this.closed) {
      this.settings.onDropped(records.length);
      return;
    }
    const room = this.settings.maxPending - this.pending.length;
    const accepted = room >= records.length ? records : records.slice(0, Math.max(0, room));
    if (accepted.length < records.length) this.settings.onDropped(records.length - accepted.length);
    for (const record of accepted) this.pending.push(record);
    if (this.pending.length >= this.settings.maxBatch) this.kick();
    else if (this.timer === undefined && this.pending.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.settings.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Hands everything buffered to the sink and waits for it. */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.writing !== undefined) {
      if (this.writing === undefined) this.kick();
      await this.writing;
    }
  }

  /** Flushes, then closes the sink. Records added later are dropped. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    try {
      await this.settings.sink.close?.();
    } catch (error) {
      this.settings.onError(error);
    }
  }

  private kick(): void {
    if (this.writing !== undefined || this.pending.length === 0) return;
    this.writing = this.drainLoop().finally(() => {
      this.writing = undefined;
    });
  }

  private async drainLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.settings.maxBatch);
      try {
        await this.settings.sink.write(batch);
        this.settings.onWritten(batch.length);
      } catch (error) {
        this.settings.onDropped(batch.length);
        this.settings.onError(error);
      }
    }
  }
}
