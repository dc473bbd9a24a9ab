import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Decider,
  type DomainEvent,
  type EventStore,
  handleCommand,
  PostgresEventStore,
  VersionConflictError,
} from '../../src/eventstore/index.js';
import { newId } from '../../src/ids/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

/** A box that holds at most 10 items: enough rules to show a decision made again on fresh state. */
type BoxEvent = DomainEvent<'Added', { count: number }>;
type BoxCommand = { add: number };
class BoxFull extends Error {}
const box: Decider<BoxCommand, { items: number }, BoxEvent> = {
  initialState: () => ({ items: 0 }),
  evolve: (state, event) => ({ items: state.items + event.data.count }),
  decide: (command, state) => {
    if (command.add === 0) return [];
    if (state.items + command.add > 10) throw new BoxFull(`only ${10 - state.items} left`);
    return [{ type: 'Added', data: { count: command.add } }];
  },
};

const options = {
  metadata: { occurredAt: '2024-07-01T10:00:00.000Z', correlationId: 'c-1' },
  newEventId: newId,
};

/** Lets another writer append right before this one's first append, as a concurrent request would. */
function withInterference(
  store: EventStore,
  interfere: () => Promise<void>,
): { store: EventStore; appends: () => number } {
  let appends = 0;
  const racing = Object.create(store) as EventStore;
  racing.appendToStream = async (...args) => {
    if (appends++ === 0) await interfere();
    return store.appendToStream(...args);
  };
  return { store: racing, appends: () => appends };
}

describe('handleCommand against PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool();
    store = new PostgresEventStore(pool, 'decider');
    await store.init();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('appends what decide returns, with the given metadata and fresh event ids', async () => {
    const result = await handleCommand(store, 'box-1', box, { add: 3 }, options);
    expect(result.state).toEqual({ items: 3 });
    expect(result.version).toBe(result.append?.nextExpectedVersion);
    const [recorded] = (await store.readStream('box-1')).events;
    expect(recorded!.metadata).toMatchObject({ correlationId: 'c-1', occurredAt: '2024-07-01T10:00:00.000Z' });
  });

  it('after a conflict, reads again and decides on the fresh state', async () => {
    await handleCommand(store, 'box-2', box, { add: 2 }, options);
    const racing = withInterference(store, async () => {
      await handleCommand(store, 'box-2', box, { add: 4 }, options);
    });
    const result = await handleCommand(racing.store, 'box-2', box, { add: 3 }, options);
    expect(racing.appends()).toBe(2);
    expect(result.state).toEqual({ items: 9 });
    const counts = (await store.readStream<BoxEvent>('box-2')).events.map((e) => e.data.count);
    expect(counts).toEqual([2, 4, 3]);
  });

  it('a decision that no longer holds after the conflict is refused, not appended', async () => {
    await handleCommand(store, 'box-3', box, { add: 2 }, options);
    const racing = withInterference(store, async () => {
      await handleCommand(store, 'box-3', box, { add: 7 }, options);
    });
    await expect(handleCommand(racing.store, 'box-3', box, { add: 3 }, options)).rejects.toBeInstanceOf(BoxFull);
    expect((await store.readStream('box-3')).events).toHaveLength(2);
  });

  it('gives up with the conflict once the retries are spent', async () => {
    await handleCommand(store, 'box-4', box, { add: 1 }, options);
    const racing = withInterference(store, async () => {
      await handleCommand(store, 'box-4', box, { add: 1 }, options);
    });
    await expect(
      handleCommand(racing.store, 'box-4', box, { add: 1 }, { ...options, retries: 0 }),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('appends nothing when decide returns no events', async () => {
    const result = await handleCommand(store, 'box-5', box, { add: 0 }, options);
    expect(result.append).toBeUndefined();
    expect((await store.readStream('box-5')).exists).toBe(false);
  });

  it('concurrent commands on one stream all land or are refused, never lost', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => handleCommand(store, 'box-6', box, { add: 2 }, { ...options, retries: 20 })),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(accepted).toBe(5);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof BoxFull)).toBe(true);
    const final = await handleCommand(store, 'box-6', box, { add: 0 }, options);
    expect(final.state).toEqual({ items: 10 });
  });

  describe('deciding on a known state first', () => {
    /** The store, counting stream reads. */
    const counting = () => {
      let reads = 0;
      const counted = Object.create(store) as EventStore;
      counted.readStream = (...args) => {
        reads++;
        return store.readStream(...args);
      };
      return { store: counted, reads: () => reads };
    };

    it('appends without reading the stream when the known state is current', async () => {
      const stream = `box-known-${newId()}`;
      const first = await handleCommand(store, stream, box, { add: 2 }, options);
      const { store: counted, reads } = counting();
      const known = { state: first.state, version: first.version! };
      const result = await handleCommand(counted, stream, box, { add: 3 }, { ...options, known });
      expect(result.state).toEqual({ items: 5 });
      expect(reads()).toBe(0);
    });

    it('decides again on the stream when the known state is stale: never on stale data', async () => {
      const stream = `box-stale-${newId()}`;
      const first = await handleCommand(store, stream, box, { add: 2 }, options);
      await handleCommand(store, stream, box, { add: 7 }, options); // another replica: 9 items now
      const { store: counted, reads } = counting();
      const stale = { state: first.state, version: first.version! };
      // On the stale state (2 items) adding 5 would pass; on the real one (9) it must be refused.
      await expect(handleCommand(counted, stream, box, { add: 5 }, { ...options, known: stale })).rejects.toThrow(
        BoxFull,
      );
      expect(reads()).toBe(1);
      expect((await store.readStream(stream)).events).toHaveLength(2);
    });

    it('reads the stream before refusing or doing nothing, rather than trusting the known state', async () => {
      const stream = `box-refuse-${newId()}`;
      const first = await handleCommand(store, stream, box, { add: 9 }, options);
      const { store: counted, reads } = counting();
      const known = { state: first.state, version: first.version! };
      await expect(handleCommand(counted, stream, box, { add: 5 }, { ...options, known })).rejects.toThrow(BoxFull);
      expect(reads()).toBe(1);
    });
  });
});
