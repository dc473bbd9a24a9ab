/**
 * The in-process bus with its events log in PostgreSQL, across restarts: a new bus on the same tables
 * continues the old one's log, as a JetStream server restarting on its disk would. Nothing a publisher
 * was told is stored may be lost; an unacked message comes back, an acked one never does.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  BusLogInUseError,
  createPersistentMemoryBus,
  type DurableMessage,
  type PersistentMemoryBusOptions,
} from '../../src/bus/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { bytes, collector, sleep, text, unique } from './helpers.js';

const logger = createLogger({ name: 'persistent-bus-test', level: 'silent' });
const SUBJECT = 'cairn.auth.user.registered.v1';

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
});
afterAll(async () => {
  await db?.drop();
});

/** A log of its own per test: its own schema in the file's database. */
function newLog(options: Partial<PersistentMemoryBusOptions> = {}) {
  const schema = unique('bus');
  const open = (): Promise<Bus> => createPersistentMemoryBus({ logger, pool, schema, ...options });
  const storedSeqs = async (): Promise<number[]> => {
    const { rows } = await pool.query<{ seq: string }>(`SELECT seq FROM ${schema}.messages ORDER BY seq`);
    return rows.map((row) => Number(row.seq));
  };
  return { schema, open, storedSeqs };
}

/** Ends the database session holding the log's lock, as a crash or a network cut would. */
async function killLockSession(schema: string): Promise<void> {
  const killed = await pool.query(
    `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND objid = hashtext($1)::oid
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [schema],
  );
  expect(killed.rows).toEqual([{ killed: true }]);
}

const publish = (bus: Bus, payload: string, msgId = payload) => bus.publishDurable(SUBJECT, bytes(payload), { msgId });

/** Starts `durable`, recording what it receives; `settle` decides per message (default: ack). */
async function record(
  bus: Bus,
  durable: string,
  settle: (m: DurableMessage) => void = (m) => m.ack(),
  deliverPolicy: 'all' | 'new' = 'all',
) {
  const got = collector<{ data: string; seq: number; deliveryCount: number }>();
  const consumer = await bus.consume({
    durable,
    deliverPolicy,
    filterSubjects: ['cairn.auth.>'],
    ackWaitMs: 60_000,
    handler: async (m) => {
      got.push({ data: text(m.data), seq: m.seq, deliveryCount: m.deliveryCount });
      settle(m);
    },
  });
  return { got, consumer };
}

describe('in-process bus with its log in PostgreSQL, across a restart', () => {
  it('keeps a message nobody had consumed yet for the durable that starts after the restart', async () => {
    const log = newLog();
    const before = await log.open();
    const first = await publish(before, 'a');
    await publish(before, 'b');
    await before.close();

    const after = await log.open();
    const { got, consumer } = await record(after, 'sync');
    await got.waitFor(2);
    expect(got.items).toEqual([
      { data: 'a', seq: first.seq, deliveryCount: 1 },
      { data: 'b', seq: first.seq + 1, deliveryCount: 1 },
    ]);
    expect(await publish(after, 'c')).toEqual({ seq: first.seq + 2, duplicate: false });
    await consumer.close();
    await after.close();
  });

  it('redelivers what was delivered but not acked, and never what was acked', async () => {
    const log = newLog();
    const before = await log.open();
    await publish(before, 'acked');
    await publish(before, 'unacked');
    const first = await record(before, 'sync', (m) => (text(m.data) === 'acked' ? m.ack() : m.nak(60_000)));
    await first.got.waitFor(2);
    await first.consumer.close();
    await before.close();

    const after = await log.open();
    const second = await record(after, 'sync');
    await second.got.waitFor(1);
    await publish(after, 'later');
    await second.got.waitFor(2);
    await sleep(300);
    expect(second.got.items.map((d) => [d.data, d.deliveryCount])).toEqual([
      ['unacked', 2],
      ['later', 1],
    ]);
    await second.consumer.close();
    await after.close();
  });

  it('resumes a durable where it left off: its start (deliver policy new) and cursor survive', async () => {
    const log = newLog();
    const before = await log.open();
    await publish(before, 'before-the-durable');
    const first = await record(before, 'fresh', undefined, 'new');
    await publish(before, 'seen');
    await first.got.waitFor(1);
    await first.consumer.close();
    await before.close();

    const after = await log.open();
    await publish(after, 'while-away');
    // Asked for "new" again: an existing durable keeps its own position instead.
    const second = await record(after, 'fresh', undefined, 'new');
    await second.got.waitFor(1);
    await sleep(300);
    expect(first.got.items.map((d) => d.data)).toEqual(['seen']);
    expect(second.got.items.map((d) => d.data)).toEqual(['while-away']);
    await second.consumer.close();
    await after.close();
  });

  it('still drops a repeated msgId after a restart, inside the duplicate window', async () => {
    const log = newLog();
    const before = await log.open();
    const stored = await publish(before, 'once', 'evt-1');
    await before.close();

    const after = await log.open();
    expect(await publish(after, 'once, retried', 'evt-1')).toEqual({ seq: stored.seq, duplicate: true });
    expect(await publish(after, 'next', 'evt-2')).toEqual({ seq: stored.seq + 1, duplicate: false });
    await after.close();
  });

  it('stores every publish it accepted before closing, even those still queued when close was called', async () => {
    const log = newLog();
    const before = await log.open();
    const publishes = Array.from({ length: 50 }, (_, i) => publish(before, `m${i}`));
    await before.close();
    const acks = await Promise.all(publishes);
    expect(acks.every((ack) => !ack.duplicate)).toBe(true);
    expect(await log.storedSeqs()).toEqual(acks.map((ack) => ack.seq));

    const after = await log.open();
    const { got, consumer } = await record(after, 'sync');
    await got.waitFor(50);
    expect(got.items.map((d) => d.data)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    await consumer.close();
    await after.close();
  });

  it('loses no resolved publish when the process dies without closing the bus', async () => {
    const log = newLog();
    const dying = await log.open();
    await publish(dying, 'stored');
    // The process "dies": its session ends, taking the lock with it; nothing is flushed or closed.
    await killLockSession(log.schema);

    const after = await log.open();
    const { got, consumer } = await record(after, 'sync');
    await got.waitFor(1);
    expect(got.items.map((d) => d.data)).toEqual(['stored']);
    await consumer.close();
    await after.close();
    // The dead one cannot take the log back: its leftovers fail to save and are dropped.
    await dying.close();
  });

  it('takes its lock again on a new connection when it lost its own, and the log goes on', async () => {
    const log = newLog();
    const bus = await log.open();
    await publish(bus, 'before');
    await killLockSession(log.schema);
    // A publish meeting the dead connection fails; its publisher tries again, as the relay does.
    let stored: { seq: number; duplicate: boolean } | undefined;
    for (let attempt = 0; !stored && attempt < 5; attempt++) {
      stored = await publish(bus, 'after').catch(() => undefined);
    }
    expect(stored).toEqual({ seq: 2, duplicate: false });
    expect(await log.storedSeqs()).toEqual([1, 2]);
    await bus.close();
    // Closed cleanly: the lock is free again.
    await (await log.open()).close();
  });

  it('refuses a second bus on the same log while the first is open', async () => {
    const log = newLog();
    const first = await log.open();
    await expect(log.open()).rejects.toThrow(BusLogInUseError);
    await expect(log.open()).rejects.toThrow(/open in another process/);
    await first.close();
    const next = await log.open();
    await next.close();
  });

  it('keeps at most maxDurableMessages, deleting the oldest, and numbers go on after a restart', async () => {
    const log = newLog({ maxDurableMessages: 2, duplicateWindowMs: 1 });
    const before = await log.open();
    for (const id of ['1', '2', '3', '4', '5']) {
      await publish(before, id);
      // Past the (1 ms) duplicate window, so the cap may delete at once.
      await sleep(5);
    }
    expect(await log.storedSeqs()).toEqual([4, 5]);
    await before.close();

    const after = await log.open();
    const { got, consumer } = await record(after, 'late');
    await got.waitFor(2);
    expect(got.items.map((d) => [d.data, d.seq])).toEqual([
      ['4', 4],
      ['5', 5],
    ]);
    expect(await publish(after, '6')).toEqual({ seq: 6, duplicate: false });
    await consumer.close();
    await after.close();
  });

  it('remembers the msgIds of messages beyond the cap until their window has passed', async () => {
    const log = newLog({ maxDurableMessages: 2 });
    const before = await log.open();
    const first = await publish(before, 'a');
    await publish(before, 'b');
    await publish(before, 'c');
    await before.close();

    const after = await log.open();
    expect(await publish(after, 'a')).toEqual({ seq: first.seq, duplicate: true });
    const { got, consumer } = await record(after, 'sync');
    await got.waitFor(2);
    await sleep(100);
    expect(got.items.map((d) => d.data)).toEqual(['b', 'c']);
    await consumer.close();
    await after.close();
  });
});
