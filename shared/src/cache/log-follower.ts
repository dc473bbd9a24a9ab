/**
 * Follows the service's global log from a position and hands every event to a listener, without a
 * checkpoint: it feeds in-process caches, which start empty in each process. Wakes on the store's
 * append hint and polls otherwise (other replicas' appends give no hint).
 */
import type { EventStore, GlobalPosition, RecordedEvent } from '../eventstore/index.js';
import type { Logger } from '../logging/index.js';

export interface LogFollowerOptions {
  readonly store: EventStore;
  readonly streamPrefixes: readonly string[];
  readonly onEvent: (event: RecordedEvent) => void;
  readonly logger: Logger;
  /** Start after this position (omit to read from the beginning). */
  readonly after?: GlobalPosition;
  readonly pollMs?: number;
  readonly batchSize?: number;
}

export interface LogFollower {
  /** Resolves once the follower has read everything that was readable when it started. */
  readonly caughtUp: Promise<void>;
  /** Resolves after one more full read (what a caller wrote before calling this is then applied). */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

export function startLogFollower(options: LogFollowerOptions): LogFollower {
  const pollMs = options.pollMs ?? 250;
  const batchSize = options.batchSize ?? 500;
  let after = options.after;
  let stopped = false;
  let wake: (() => void) | undefined;
  let waiters: (() => void)[] = [];
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  const unsubscribe = options.store.onAppended(() => wake?.());

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      const started = waiters;
      waiters = [];
      try {
        let more = true;
        while (more && !stopped) {
          const page = await options.store.readAll({
            limit: batchSize,
            streamPrefixes: options.streamPrefixes,
            ...(after ? { after } : {}),
          });
          for (const event of page.events) options.onEvent(event);
          if (page.lastPosition) after = page.lastPosition;
          // A filtered page may match nothing yet still have advanced; the log is exhausted only when
          // a read finds no row at all.
          more = page.lastPosition !== undefined;
        }
        failures = 0;
        markCaughtUp();
        for (const resolve of started) resolve();
      } catch (error) {
        waiters = [...started, ...waiters];
        failures++;
        if (!stopped) options.logger.warn({ err: error, failures }, 'log follower could not read the event log');
      }
      if (stopped) break;
      if (waiters.length > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, failures > 0 ? Math.min(pollMs * 2 ** failures, 5_000) : pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    for (const resolve of waiters) resolve();
  })();

  return {
    caughtUp,
    sync() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        wake?.();
      });
    },
    async stop() {
      stopped = true;
      unsubscribe();
      wake?.();
      await loop;
      markCaughtUp();
    },
  };
}
