import { MlinfraError, ValidationError } from '@mlinfra/core';
import { QueueFullError, RequestTimeoutError, ServerClosedError } from '../errors.js';

/** What one request of a batch got: its output or its error. */
export type BatchOutcome<O> = { output: O } | { error: unknown };

/**
 * How a batcher joins queued requests into one model call and splits the answer. The default
 * (from `inputSize`, `outputSize` and `run`) handles row-major `Float32Array` rows; tensor models
 * bring their own.
 */
export interface BatchExecutor<I, O> {
  /** Checks one request's input at submit time; returns why it is refused, or undefined. */
  check?(input: I, rows: number): string | undefined;
  /** Requests with different keys never share a batch (e.g. different sequence lengths). */
  key?(input: I): string;
  /** Runs the batch; one outcome per input, in order. */
  execute(inputs: readonly I[], rows: readonly number[], total: number): Promise<BatchOutcome<O>[]>;
}

/** Settings of one model version's batcher (already validated). */
export interface DynamicBatcherOptions<I = Float32Array, O = Float32Array> {
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
  /** Values per input row (`Float32Array` requests, without `executor`). */
  inputSize?: number;
  /** Values per output row (`Float32Array` requests, without `executor`). */
  outputSize?: number;
  /** Runs one batch of `Float32Array` rows (without `executor`). */
  run?(batch: Float32Array, rows: number): Promise<Float32Array> | Float32Array;
  /** Joins, runs and splits batches of other inputs than `Float32Array` rows. */
  executor?: BatchExecutor<I, O>;
  /** Called after each batch with its size and compute time. */
  onBatch?(rows: number, requests: number, computeMs: number): void;
}

/**
 * The executor of row-major `Float32Array` requests: concatenates the rows, runs the model once,
 * checks the output length and hands each request its rows.
 */
export function float32Executor(options: {
  model: string;
  version: string;
  inputSize: number;
  outputSize: number;
  run(batch: Float32Array, rows: number): Promise<Float32Array> | Float32Array;
}): BatchExecutor<Float32Array, Float32Array> {
  const { model, version, inputSize, outputSize } = options;
  return {
    check: (input, rows) =>
      input.length === rows * inputSize
        ? undefined
        : `Input has ${input.length} values; ${rows} rows of ${inputSize} values need ${rows * inputSize}.`,
    async execute(inputs, rows, total) {
      let input: Float32Array;
      if (inputs.length === 1) {
        input = inputs[0]!;
      } else {
        input = new Float32Array(total * inputSize);
        let offset = 0;
        for (const part of inputs) {
          input.set(part, offset);
          offset += part.length;
        }
      }
      let output: Float32Array;
      try {
        output = await options.run(input, total);
        if (!(output instanceof Float32Array) || output.length !== total * outputSize) {
          const got = output instanceof Float32Array ? `${output.length} values` : typeof output;
          throw new MlinfraError(
            `Model "${model}" version ${version} returned ${got} for ${total} rows; its signature needs a Float32Array of ${total * outputSize}. Fix the predictor or its output shape.`,
          );
        }
      } catch (error) {
        return inputs.map(() => ({ error }));
      }
      let offset = 0;
      return rows.map((count) => {
        const size = count * outputSize;
        const part = output.subarray(offset, offset + size);
        offset += size;
        return { output: part };
      });
    },
  };
}

/** What one request gets back from the batcher. */
export interface BatchResult<O = Float32Array> {
  /** This request's share of the output (its rows, row-major, for `Float32Array` requests). */
  output: O;
  /** Time spent waiting in the queue, in ms. */
  queueMs: number;
  /** Time the batch that held this request took to compute, in ms. */
  computeMs: number;
  /** Rows in that batch, this request's included. */
  batchRows: number;
}

interface Pending<I, O> {
  input: I;
  rows: number;
  key: string;
  enqueuedAt: number;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(result: BatchResult<O>): void;
  reject(error: unknown): void;
}

/**
 * Dynamic batcher with Triton's semantics: requests queue; when an instance is free the batcher
 * takes whatever is waiting, in arrival order, up to `maxBatchSize` rows (never splitting a
 * request). With `maxQueueDelayMs > 0` a batch that is not full waits until the oldest request
 * has waited that long. The queue is bounded; each request has its own timeout.
 */
export class DynamicBatcher<I = Float32Array, O = Float32Array> {
  private readonly queue: Pending<I, O>[] = [];
  private queuedRows = 0;
  private running = 0;
  private scheduled = false;
  private delayTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  private readonly executor: BatchExecutor<I, O>;

  constructor(private readonly options: DynamicBatcherOptions<I, O>) {
    this.executor =
      options.executor ??
      (float32Executor({
        model: options.model,
        version: options.version,
        inputSize: options.inputSize ?? 0,
        outputSize: options.outputSize ?? 0,
        run: options.run ?? (() => new Float32Array(0)),
      }) as unknown as BatchExecutor<I, O>);
  }

  /** Requests waiting to run. */
  get depth(): number {
    return this.queue.length;
  }

  /** Requests waiting or running. */
  get busy(): boolean {
    return this.queue.length > 0 || this.running > 0;
  }

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

  /**
   * Queues `rows` rows and resolves with this request's share of the batch output.
   * @throws ValidationError when `rows` exceeds `maxBatchSize` or `input` has the wrong length.
   * @throws QueueFullError when `maxQueue` requests are already waiting.
   * @throws RequestTimeoutError when the result is not ready within `timeoutMs`.
   */
  submit(input: I, rows: number, timeoutMs: number): Promise<BatchResult<O>> {
    const { model, version } = this.options;
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
    const refused = this.executor.check?.(input, rows);
    if (refused !== undefined) return Promise.reject(new ValidationError(refused));
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new QueueFullError(
          `Model "${model}" version ${version} has ${this.queue.length} requests queued (batching.maxQueue); retry later or add capacity.`,
          1,
        ),
      );
    }
    return new Promise<BatchResult<O>>((resolve, reject) => {
      const pending: Pending<I, O> = {
        input,
        rows,
        key: this.executor.key?.(input) ?? '',
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

  private expire(pending: Pending<I, O>, timeoutMs: number): void {
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
      const batch: Pending<I, O>[] = [];
      let rows = 0;
      if (this.queue.every((pending) => pending.key === this.queue[0]!.key)) {
        while (this.queue.length > 0) {
          const next = this.queue[0]!;
          if (batch.length > 0 && (!enabled || rows + next.rows > maxBatchSize)) break;
          this.queue.shift();
          batch.push(next);
          rows += next.rows;
        }
      } else {
        // Requests of another key (e.g. another sequence length) wait; those of the oldest
        // request's key join it in arrival order until one does not fit.
        const head = this.queue[0]!;
        const waiting: Pending<I, O>[] = [];
        let open = true;
        for (const next of this.queue) {
          if (batch.length === 0 || (open && enabled && next.key === head.key)) {
            if (batch.length > 0 && rows + next.rows > maxBatchSize) {
              open = false;
              waiting.push(next);
              continue;
            }
            batch.push(next);
            rows += next.rows;
          } else {
            waiting.push(next);
          }
        }
        this.queue.splice(0, this.queue.length, ...waiting);
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

  private async run(batch: Pending<I, O>[], rows: number): Promise<void> {
    const started = performance.now();
    let outcomes: BatchOutcome<O>[];
    try {
      outcomes = await this.executor.execute(
        batch.map((pending) => pending.input),
        batch.map((pending) => pending.rows),
        rows,
      );
    } catch (error) {
      outcomes = batch.map(() => ({ error }));
    }
    const computeMs = performance.now() - started;
    if (outcomes.some((outcome) => 'output' in outcome))
      this.options.onBatch?.(rows, batch.length, computeMs);
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if ('error' in outcome) {
        this.settle(pending, undefined, outcome.error);
        return;
      }
      this.settle(
        pending,
        {
          output: outcome.output,
          queueMs: started - pending.enqueuedAt,
          computeMs,
          batchRows: rows,
        },
        undefined,
      );
    });
  }

  private settle(pending: Pending<I, O>, result: BatchResult<O> | undefined, error: unknown): void {
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
