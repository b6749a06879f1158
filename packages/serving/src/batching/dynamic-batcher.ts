import { MlinfraError, ValidationError } from '@mlinfra/core';
import { QueueFullError, RequestTimeoutError, ServerClosedError } from '../errors.js';

/** Settings of one model version's batcher (already validated). */
export interface DynamicBatcherOptions {
  /** Model name, for messages. */
  model: string;
  /** Version, for messages. */
  version: string;
  /** False: every request runs alone, in arrival order. */
  enabled: boolean;
  /** Most rows in one batch; a request with more rows is rejected (as Triton does). */
  maxBatchSize: number;
  /** How long the oldest queued request may wait for a fuller batch, in ms. 0: never wait. */
  maxQueueDelayMs: number;
  /** Most requests waiting (not yet running); more are rejected with {@link QueueFullError}. */
  maxQueue: number;
  /** Batches run at the same time on this version. */
  instances: number;
  /** Values per input row. */
  inputSize: number;
  /** Values per output row. */
  outputSize: number;
  /** Runs one batch. */
  run(batch: Float32Array, rows: number): Promise<Float32Array> | Float32Array;
  /** Called after each batch with its size and compute time. */
  onBatch?(rows: number, requests: number, computeMs: number): void;
}

/** What one request gets back from the batcher. */
export interface BatchResult {
  /** This request's rows of the output, row-major. */
  output: Float32Array;
  /** Time spent waiting in the queue, in ms. */
  queueMs: number;
  /** Time the batch that held this request took to compute, in ms. */
  computeMs: number;
  /** Rows in that batch, this request's included. */
  batchRows: number;
}

interface Pending {
  input: Float32Array;
  rows: number;
  enqueuedAt: number;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(result: BatchResult): void;
  reject(error: unknown): void;
}

/**
 * Dynamic batcher with Triton's semantics: requests queue; when an instance is free the batcher
 * takes whatever is waiting, in arrival order, up to `maxBatchSize` rows (never splitting a
 * request). With `maxQueueDelayMs > 0` a batch that is not full waits until the oldest request
 * has waited that long. The queue is bounded; each request has its own timeout.
 */
export class DynamicBatcher {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  private running = 0;
  private scheduled = false;
  private delayTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DynamicBatcherOptions) {}

  /** Requests waiting to run. */
  get depth(): number {
    return this.queue.length;
  }

  /** Requests waiting or running. */
  get busy(): boolean {
    return this.queue.length > 0 || this.running > 0;
  }

  /**
   * Queues `rows` rows and resolves with this request's share of the batch output.
   * @throws ValidationError when `rows` exceeds `maxBatchSize` or `input` has the wrong length.
   * @throws QueueFullError when `maxQueue` requests are already waiting.
   * @throws RequestTimeoutError when the result is not ready within `timeoutMs`.
   */
  /**
   * Checks a request's row count against `maxBatchSize` (requests are never split), so a request
   * can be refused before its input is allocated.
   * @throws ValidationError when `rows` exceeds `maxBatchSize`.
   */
  checkRows(rows: number): void {
    const { model, maxBatchSize, enabled } = this.options;
    if (enabled && rows > maxBatchSize) {
      throw new ValidationError(
        `Request has ${rows} rows but model "${model}" takes at most ${maxBatchSize} per batch (batching.maxBatchSize); split the request or raise maxBatchSize.`,
      );
    }
  }

  submit(input: Float32Array, rows: number, timeoutMs: number): Promise<BatchResult> {
    const { model, version, inputSize } = this.options;
    if (this.closed) {
      return Promise.reject(
        new ServerClosedError(
          `Model "${model}" version ${version} is unloading; retry the request.`,
        ),
      );
    }
    try {
      this.checkRows(rows);
    } catch (error) {
      return Promise.reject(error);
    }
    if (input.length !== rows * inputSize) {
      return Promise.reject(
        new ValidationError(
          `Input has ${input.length} values; ${rows} rows of ${inputSize} values need ${rows * inputSize}.`,
        ),
      );
    }
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new QueueFullError(
          `Model "${model}" version ${version} has ${this.queue.length} requests queued (batching.maxQueue); retry later or add capacity.`,
          1,
        ),
      );
    }
    return new Promise<BatchResult>((resolve, reject) => {
      const pending: Pending = {
        input,
        rows,
        enqueuedAt: performance.now(),
        settled: false,
        timer: undefined,
        resolve,
        reject,
      };
      if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
        pending.timer = setTimeout(() => this.expire(pending, timeoutMs), timeoutMs);
        pending.timer.unref();
      }
      this.queue.push(pending);
      this.queuedRows += rows;
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new requests; queued and running ones still complete. */
  close(): void {
    this.closed = true;
  }

  private expire(pending: Pending, timeoutMs: number): void {
    if (pending.settled) return;
    pending.settled = true;
    const index = this.queue.indexOf(pending);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.queuedRows -= pending.rows;
      this.notifyIdle();
    }
    pending.reject(
      new RequestTimeoutError(
        `Model "${this.options.model}" did not answer within ${timeoutMs} ms (limits.requestTimeoutMs); retry, or raise the timeout or capacity.`,
      ),
    );
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.instances) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this batch.
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    const { enabled, maxBatchSize, maxQueueDelayMs, instances } = this.options;
    while (this.running < instances && this.queue.length > 0) {
      if (enabled && maxQueueDelayMs > 0 && this.queuedRows < maxBatchSize) {
        const wait = this.queue[0]!.enqueuedAt + maxQueueDelayMs - performance.now();
        if (wait > 0) {
          if (this.delayTimer === undefined) {
            this.delayTimer = setTimeout(() => {
              this.delayTimer = undefined;
              this.dispatch();
            }, wait);
          }
          return;
        }
      }
      if (this.delayTimer !== undefined) {
        clearTimeout(this.delayTimer);
        this.delayTimer = undefined;
      }
      const batch: Pending[] = [];
      let rows = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        if (batch.length > 0 && (!enabled || rows + next.rows > maxBatchSize)) break;
        this.queue.shift();
        batch.push(next);
        rows += next.rows;
      }
      this.queuedRows -= rows;
      this.running++;
      void this.run(batch, rows).finally(() => {
        this.running--;
        if (this.queue.length > 0) this.schedule();
        this.notifyIdle();
      });
    }
  }

  private async run(batch: Pending[], rows: number): Promise<void> {
    const { inputSize, outputSize, model, version } = this.options;
    const started = performance.now();
    let input: Float32Array;
    if (batch.length === 1) {
      input = batch[0]!.input;
    } else {
      input = new Float32Array(rows * inputSize);
      let offset = 0;
      for (const pending of batch) {
        input.set(pending.input, offset);
        offset += pending.input.length;
      }
    }
    let output: Float32Array;
    try {
      output = await this.options.run(input, rows);
      if (!(output instanceof Float32Array) || output.length !== rows * outputSize) {
        const got = output instanceof Float32Array ? `${output.length} values` : typeof output;
        throw new MlinfraError(
          `Model "${model}" version ${version} returned ${got} for ${rows} rows; its signature needs a Float32Array of ${rows * outputSize}. Fix the predictor or its output shape.`,
        );
      }
    } catch (error) {
      for (const pending of batch) this.settle(pending, undefined, error);
      return;
    }
    const computeMs = performance.now() - started;
    this.options.onBatch?.(rows, batch.length, computeMs);
    let offset = 0;
    for (const pending of batch) {
      const size = pending.rows * outputSize;
      const result: BatchResult = {
        output: output.subarray(offset, offset + size),
        queueMs: started - pending.enqueuedAt,
        computeMs,
        batchRows: rows,
      };
      offset += size;
      this.settle(pending, result, undefined);
    }
  }

  private settle(pending: Pending, result: BatchResult | undefined, error: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (result !== undefined) pending.resolve(result);
    else pending.reject(error);
  }

  private notifyIdle(): void {
    if (this.busy || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
