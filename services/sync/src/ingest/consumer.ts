/**
 * The sync service's durable consumer of the accounts service's integration events (JetStream in
 * distributed mode, the in-process bus embedded). Several instances of it run side by side in each
 * process, so that many events are in hand at once and the recorder writes them in batches (one
 * statement, one transaction each); an event is acknowledged only after its batch committed, and a
 * redelivery finds its event id already handled and changes nothing. A malformed event is terminated
 * (it would fail the same way forever) and logged.
 */
import type { Bus, Closeable, ConsumerOptions, DurableMessage } from '@cairn/shared/bus';
import type { Logger } from '@cairn/shared/logging';
import type { Pool } from 'pg';
import { type Recorded, VersionGapError } from '../changelog/record.js';
import type { SyncTables } from '../changelog/schema.js';
import { toResourceChange } from './mapping.js';
import type { SyncNotifier } from './notifier.js';
import { ChangeRecorder } from './recorder.js';
import type { RecordedChange } from './signal.js';

export const SYNC_DURABLE = 'sync-changelog';
const ACCOUNTS_EVENTS = 'cairn.accounts.*.*.*';
const GIVE_UP_ON_GAP_AFTER = 20;
const GAP_RETRY_MS = 200;

export interface ConsumerDeps {
  readonly bus: Bus;
  readonly pool: Pool;
  readonly tables: SyncTables;
  readonly notifier: SyncNotifier;
  readonly logger: Logger;
  /** Consumer instances in this process: how many events can be recorded in one batch. */
  readonly concurrency: number;
  /** Called after each recorded change has committed (push waits on it). */
  readonly onRecorded?: (change: RecordedChange) => void;
}

export async function startChangeConsumer(deps: ConsumerDeps): Promise<Closeable> {
  const decoder = new TextDecoder();
  const recorder = new ChangeRecorder(deps.pool, deps.tables);
  const options: ConsumerOptions = {
    durable: SYNC_DURABLE,
    filterSubjects: [ACCOUNTS_EVENTS],
    maxDeliver: 50,
    // A handler is one short transaction: after a crash, what it held comes back within seconds, not
    // JetStream's default 30 s (a slow handler whose message is redelivered meanwhile is harmless: the
    // event id is recorded once).
    ackWaitMs: 5_000,
    handler: async (message: DurableMessage) => {
      let change: ReturnType<typeof toResourceChange>;
      try {
        const event = JSON.parse(decoder.decode(message.data)) as { id: string; data: unknown };
        change = toResourceChange(message.subject, event.id, event.data);
      } catch (error) {
        deps.logger.error({ err: error, subject: message.subject, seq: message.seq }, 'malformed event dropped');
        message.term('malformed event');
        return;
      }
      if (!change) return;
      // Past this many deliveries a missing earlier version is given up on rather than stalling the user.
      const acceptGap = message.deliveryCount >= GIVE_UP_ON_GAP_AFTER;
      let recorded: Recorded | undefined;
      try {
        recorded = await recorder.record(change, message.seq, acceptGap);
      } catch (error) {
        if (!(error instanceof VersionGapError)) throw error;
        deps.logger.debug({ err: error, seq: message.seq }, 'earlier change not recorded yet; retrying later');
        message.nak(GAP_RETRY_MS);
        return;
      }
      if (acceptGap && recorded)
        deps.logger.error({ subject: message.subject, seq: message.seq }, 'recorded across a version gap');
      if (recorded) {
        deps.notifier.changed(recorded.userId, recorded.seq);
        deps.onRecorded?.({ ...recorded, resource: change.resource, id: change.id, version: change.version });
      }
    },
  };
  const instances: Closeable[] = [];
  const closeAll = () => Promise.all(instances.map((instance) => instance.close()));
  try {
    for (let i = 0; i < deps.concurrency; i++) instances.push(await deps.bus.consume(options));
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    async close() {
      await closeAll();
    },
  };
}
