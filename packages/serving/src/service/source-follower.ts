import type { ModelSource } from '../model/model-source.js';
import type { Emit } from './events.js';

/** How the follower learns of changes when the source cannot tell it. */
export interface SourceFollowerSettings {
  /** Poll interval in ms when the source has neither `subscribe` nor `watch`; 0: never. */
  pollIntervalMs: number;
  emit: Emit;
}

/**
 * Follows a model source: calls back with a source model's name whenever it may have changed,
 * through the source's `subscribe`, else its `watch`, else by polling.
 */
export class SourceFollower {
  private readonly stops: (() => void)[] = [];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: ModelSource,
    private readonly settings: SourceFollowerSettings,
  ) {}

  /** Starts following `names`; `onChange(name)` runs on each notification (or poll). */
  follow(names: ReadonlySet<string>, onChange: (name: string) => void): void {
    if (names.size === 0) return;
    const source = this.source;
    if (typeof source.subscribe === 'function') {
      for (const name of names) this.subscribe(source.subscribe.bind(source), name, onChange);
      return;
    }
    if (typeof source.watch === 'function') {
      for (const name of names) this.watch(source.watch.bind(source), name, onChange);
      return;
    }
    const interval = this.settings.pollIntervalMs;
    if (interval > 0) {
      this.pollTimer = setInterval(() => {
        for (const name of names) onChange(name);
      }, interval);
      this.pollTimer.unref();
    }
  }

  /** Stops every subscription, watch and poll. */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private subscribe(
    subscribe: NonNullable<ModelSource['subscribe']>,
    name: string,
    onChange: (name: string) => void,
  ): void {
    let stopped = false;
    const unsubscribe = subscribe(name, () => {
      if (!stopped) onChange(name);
    });
    this.stops.push(() => {
      stopped = true;
      unsubscribe();
    });
  }

  private watch(
    watch: NonNullable<ModelSource['watch']>,
    name: string,
    onChange: (name: string) => void,
  ): void {
    let stopped = false;
    const iterator = watch(name)[Symbol.asyncIterator]();
    this.stops.push(() => {
      stopped = true;
      void iterator.return?.();
    });
    void (async () => {
      try {
        while (!stopped) {
          const next = await iterator.next();
          if (next.done || stopped) return;
          onChange(name);
        }
      } catch (error) {
        this.settings.emit({ type: 'load-failed', model: name, error });
      }
    })();
  }
}
