import { ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import { assertName, parseOptions } from '../internal/validate.js';
import type { RegistryEvent } from '../types.js';
import type { EventHub } from './event-hub.js';

/** Options of {@link Registry.watch} and {@link Registry.subscribe}. */
export interface WatchOptions {
  /** Deliver events with an id above this (replay). Default: only changes after the call. */
  afterId?: number;
  /** Stops the watch. */
  signal?: AbortSignal;
}

/** Options of {@link Registry.subscribe}. */
export interface SubscribeOptions extends WatchOptions {
  /** Called with a listener's error or the database failure that ended the subscription. */
  onError?: (error: unknown) => void;
  /** Called when the registry closes. */
  onClose?: () => void;
}

/** An async iterator of registry events that can be closed. */
export interface RegistryWatch extends AsyncIterableIterator<RegistryEvent> {
  /** Stops watching; a pending `next()` resolves as done. */
  close(): void;
}

const watchSchema = z.strictObject({
  afterId: z.number().int().min(0).optional(),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'signal must be an AbortSignal')
    .optional(),
});

/** Calls `listener` with every change to `name` (every model when undefined); returns a stop function. */
export function subscribe(
  hub: EventHub,
  name: string | undefined,
  listener: (event: RegistryEvent) => void,
  options: SubscribeOptions = {},
): () => void {
  if (name !== undefined) assertName(name, 'model');
  if (typeof listener !== 'function')
    throw new ValidationError('subscribe() takes a listener function');
  const { onError, onClose, ...rest } = options;
  const checked = parseOptions(watchSchema, rest, 'subscribe() options');
  const report =
    onError ??
    ((error: unknown) =>
      process.emitWarning(
        `A registry watcher of ${name ?? 'every model'} failed: ${error instanceof Error ? error.message : String(error)}; pass onError to handle it`,
      ));
  const stop = hub.subscribe(name, checked.afterId, listener, report, onClose);
  checked.signal?.addEventListener('abort', stop, { once: true });
  return stop;
}

/** The changes to `name` as an async iterator that ends with `break`, `close()` or the signal. */
export function watch(
  hub: EventHub,
  name: string | undefined,
  options: WatchOptions = {},
): RegistryWatch {
  const queue: RegistryEvent[] = [];
  const waiting: Array<{
    resolve: (result: IteratorResult<RegistryEvent>) => void;
    reject: (error: unknown) => void;
  }> = [];
  let done = false;
  let failure: unknown;
  const finish = () => {
    if (done) return;
    done = true;
    stop();
    for (const waiter of waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
  };
  const stop = subscribe(
    hub,
    name,
    (event) => {
      const waiter = waiting.shift();
      if (waiter === undefined) queue.push(event);
      else waiter.resolve({ value: event, done: false });
    },
    {
      ...options,
      onError: (error) => {
        failure = error;
        const waiter = waiting.shift();
        if (waiter !== undefined) waiter.reject(error);
        finish();
      },
      onClose: finish,
    },
  );
  options.signal?.addEventListener('abort', finish, { once: true });
  const iterator: RegistryWatch = {
    next() {
      const event = queue.shift();
      if (event !== undefined) return Promise.resolve({ value: event, done: false });
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    close: finish,
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
