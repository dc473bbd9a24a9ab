/** A change the consumer of this process has just committed to a user's log. */
export interface RecordedChange {
  readonly userId: string;
  readonly resource: string;
  readonly id: string;
  readonly version: number;
  readonly seq: number;
}

export type RecordedListener = (change: RecordedChange) => void;

/**
 * Tells waiters in this process what the consumer recorded, per user: a push follows its own changes
 * as they land instead of asking the database after each one (other replicas' recordings it still
 * finds by asking, see push/wait.ts).
 */
export class RecordedChanges {
  private readonly listeners = new Map<string, Set<RecordedListener>>();

  notify(change: RecordedChange): void {
    const listeners = this.listeners.get(change.userId);
    if (listeners) for (const listener of listeners) listener(change);
  }

  /** Calls `listener` for each change of `userId` recorded from now on, until the returned stop is called. */
  watch(userId: string, listener: RecordedListener): () => void {
    let listeners = this.listeners.get(userId);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(userId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(userId) === listeners) this.listeners.delete(userId);
    };
  }
}
