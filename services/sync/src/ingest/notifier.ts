/**
 * Tells a user's connected clients that their data changed: `{"type": "sync", "cursor"}` on the user's
 * notification subject, which every gateway holding a socket of theirs forwards. A burst of changes
 * (a batch of 100 creates) becomes one message per user, sent at most `debounceMs` after the first.
 */
import type { Bus } from '@cairn/shared/bus';
import { userNotificationSubject } from '@cairn/shared/contracts';
import { encodeCursor } from '../changelog/cursor.js';

export interface SyncNotifier {
  /** The user's log now reaches `seq`. */
  changed(userId: string, seq: number): void;
  /** Sends what is pending now (on shutdown). */
  flush(): void;
}

export function createSyncNotifier(bus: Bus, debounceMs: number): SyncNotifier {
  const pending = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  const encoder = new TextEncoder();

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    for (const [userId, seq] of pending) {
      const message = { type: 'sync', cursor: encodeCursor(seq) };
      bus.publish(userNotificationSubject(userId), encoder.encode(JSON.stringify(message)));
    }
    pending.clear();
  };

  return {
    changed(userId, seq) {
      pending.set(userId, Math.max(seq, pending.get(userId) ?? 0));
      timer ??= setTimeout(flush, debounceMs);
    },
    flush,
  };
}
