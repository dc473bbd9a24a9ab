/**
 * Write → WebSocket `sync` latency without reading inside the opaque cursor. After the run, the bench
 * pages through the change log one change at a time (limit 1), which tells, for every change, the
 * cursor that ends right after it. A `sync` message covers a write when its cursor is that of the
 * write's change or of a later one; the write's latency is the time from sending it to the first
 * message received that covers it.
 */

export interface TimedWrite {
  readonly id: string;
  /** The version the write's answer gave the account: its change in the log has this version. */
  readonly version: number;
  readonly sentAt: number;
}

export interface ReceivedSync {
  readonly cursor: string;
  readonly at: number;
}

/** One change of the log, in order, with the cursor a page ending at it returns. */
export interface LogEntry {
  readonly id: string;
  readonly version: number;
  readonly cursor: string;
}

export interface SyncLatencies {
  /** ms from sending each covered write to the first message covering it. */
  readonly latencies: number[];
  /** Writes whose change is not in the log (the log was read too early, or the write was lost). */
  readonly notLogged: number;
  /** Writes in the log that no message covered. */
  readonly notNotified: number;
  /** Messages whose cursor is none of the log's (another client's changes, or a stale message). */
  readonly unknownMessages: number;
}

export function matchSyncMessages(
  writes: readonly TimedWrite[],
  log: readonly LogEntry[],
  messages: readonly ReceivedSync[],
): SyncLatencies {
  const indexOfChange = new Map(log.map((entry, index) => [`${entry.id}@${entry.version}`, index]));
  const indexOfCursor = new Map(log.map((entry, index) => [entry.cursor, index]));
  const received = [...messages].sort((a, b) => a.at - b.at);
  let unknownMessages = 0;
  const covering: { index: number; at: number }[] = [];
  for (const message of received) {
    const index = indexOfCursor.get(message.cursor);
    if (index === undefined) unknownMessages++;
    else covering.push({ index, at: message.at });
  }

  const latencies: number[] = [];
  let notLogged = 0;
  let notNotified = 0;
  for (const write of writes) {
    const index = indexOfChange.get(`${write.id}@${write.version}`);
    if (index === undefined) {
      notLogged++;
      continue;
    }
    const first = covering.find((message) => message.index >= index && message.at >= write.sentAt);
    if (first === undefined) notNotified++;
    else latencies.push(first.at - write.sentAt);
  }
  return { latencies, notLogged, notNotified, unknownMessages };
}
