import type { ServingEvent } from '../options.js';

/** Reports one lifecycle event; never throws. */
export type Emit = (event: ServingEvent) => void;

/** Wraps the `onEvent` option so that a faulty listener cannot break serving. */
export function createEmitter(listener: ((event: ServingEvent) => void) | undefined): Emit {
  return (event) => {
    try {
      listener?.(event);
    } catch {
      // A faulty listener must not break serving.
    }
  };
}
