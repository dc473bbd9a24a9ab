import type { Closeable } from './port.js';

/**
 * What a bus has handed out and not yet seen closed (served services, subscriptions, consumers), so that
 * closing the bus closes them too. Each adapter keeps one.
 */
export class TrackedCloseables {
  private readonly open = new Set<Closeable>();

  /** Remembers `closeable`; the returned handle closes it and forgets it. */
  track(closeable: Closeable): Closeable {
    this.open.add(closeable);
    return {
      close: async () => {
        this.open.delete(closeable);
        await closeable.close();
      },
    };
  }

  /** Closes everything still open; one that fails to close does not keep the others open. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.open].map((closeable) => closeable.close()));
    this.open.clear();
  }
}
