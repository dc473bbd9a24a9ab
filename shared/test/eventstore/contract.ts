/**
 * The EventStore contract: every adapter (PostgreSQL, EventStoreDB/KurrentDB) runs this same suite, so
 * they stay interchangeable by configuration (DESIGN.md decision 8). The global-log ordering checks
 * live in contract-ordering.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppendResult,
  comparePositions,
  type EventStore,
  type ExpectedVersion,
  type GlobalPosition,
  type NewEvent,
} from '../../src/eventstore/index.js';
import { orderingContract } from './contract-ordering.js';
import { versionContract } from './contract-versions.js';

/** An append left uncommitted on purpose, to commit after later appends (out-of-order commit). */
export interface HeldAppend {
  readonly result: AppendResult;
  commit(): Promise<void>;
}

export interface EventStoreHarness {
  /** A store on an empty log (a fresh schema, a fresh database…). */
  readonly store: EventStore;
  /** Where the adapter can hold a write open, start one; the ordering tests then commit it last. */
  readonly beginHeldAppend?: (
    streamName: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
  ) => Promise<HeldAppend>;
  close(): Promise<void>;
}

export type HarnessFactory = () => Promise<EventStoreHarness>;

export const event = (type: string, data: unknown = {}): NewEvent => ({ type, data });

/**
 * Waits until the event at `position` can be read from the global log, and with it everything before it.
 * A write still in flight anywhere on the server (another test file's, say) may hold the log back for a
 * moment: readers wait for it rather than skip, so tests that read right after appending wait too.
 */
export async function waitUntilReadable(
  store: EventStore,
  position: GlobalPosition,
  timeoutMs = 10_000,
): Promise<void> {
  const justBefore = { commit: position.commit, prepare: position.prepare - 1n };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await store.readAll({ after: justBefore, limit: 1 });
    if (page.events[0] && comparePositions(page.events[0].position, position) === 0) return;
    if (Date.now() > deadline) throw new Error(`event at ${position.commit}/${position.prepare} never became readable`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface ContractCapabilities {
  /** The harness implements `beginHeldAppend` (registers the deterministic out-of-order-commit tests). */
  readonly heldAppends: boolean;
}

export function eventStoreContract(
  adapter: string,
  makeHarness: HarnessFactory,
  capabilities: ContractCapabilities = { heldAppends: false },
): void {
  describe(`EventStore contract: ${adapter}`, () => {
    const open: EventStoreHarness[] = [];
    const harness = async (): Promise<EventStoreHarness> => {
      const h = await makeHarness();
      open.push(h);
      return h;
    };
    const fresh = async (): Promise<EventStore> => (await harness()).store;
    afterEach(async () => {
      await Promise.all(open.splice(0).map((h) => h.close()));
    });

    describe('streams', () => {
      it('reads back what was appended, in order, with metadata filled in', async () => {
        const store = await fresh();
        const result = await store.appendToStream(
          'order-1',
          [event('Placed', { total: 12.5, lines: ['a', 'b'] }), event('Paid', { by: 'card' })],
          { expectedVersion: 'no_stream' },
        );
        const read = await store.readStream('order-1');
        expect(read.exists).toBe(true);
        expect(read.version).toBe(result.nextExpectedVersion);
        expect(read.events.map((e) => [e.type, e.data, e.streamName, e.schemaVersion])).toEqual([
          ['Placed', { total: 12.5, lines: ['a', 'b'] }, 'order-1', 1],
          ['Paid', { by: 'card' }, 'order-1', 1],
        ]);
        const [first, second] = read.events;
        expect(first!.streamVersion < second!.streamVersion).toBe(true);
        expect(second!.position).toEqual(result.position);
        expect(first!.metadata.eventId).toMatch(UUID);
        expect(first!.metadata.eventId).not.toBe(second!.metadata.eventId);
        expect(Number.isNaN(Date.parse(first!.metadata.occurredAt))).toBe(false);
      });

      it('keeps the metadata and schema version it is given', async () => {
        const store = await fresh();
        const metadata = {
          eventId: '0190f4b8-52a4-7c3e-9d2b-3c1f7f1a2b3c',
          occurredAt: '2024-07-01T10:00:00.000Z',
          correlationId: 'corr-1',
          causationId: 'cause-1',
          actor: { kind: 'user' as const, id: 'u-1', role: 'admin' },
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        };
        await store.appendToStream('doc-1', [{ type: 'Written', data: null, schemaVersion: 3, metadata }], {
          expectedVersion: 'any',
        });
        const [recorded] = (await store.readStream('doc-1')).events;
        expect(recorded!.metadata).toEqual(metadata);
        expect(recorded!.schemaVersion).toBe(3);
        expect(recorded!.data).toBeNull();
      });

      it('reports a stream that was never written as missing', async () => {
        const read = await (await fresh()).readStream('nobody-1');
        expect(read).toEqual({ exists: false, version: undefined, events: [] });
      });

      it('tells the local listeners after an append, until they unsubscribe', async () => {
        const store = await fresh();
        let calls = 0;
        const unsubscribe = store.onAppended(() => calls++);
        await store.appendToStream('a-1', [event('X')], { expectedVersion: 'any' });
        expect(calls).toBe(1);
        unsubscribe();
        await store.appendToStream('a-1', [event('X')], { expectedVersion: 'any' });
        expect(calls).toBe(1);
      });
    });

    versionContract(fresh);

    describe('global log', () => {
      it('reads every event once, in order, page by page', async () => {
        const store = await fresh();
        let last: AppendResult | undefined;
        for (let i = 0; i < 5; i++) {
          last = await store.appendToStream(`p-${i % 2}`, [event('E', { i }), event('E', { i: i + 100 })], {
            expectedVersion: 'any',
          });
        }
        await waitUntilReadable(store, last!.position);
        const seen: number[] = [];
        let after: Awaited<ReturnType<EventStore['readAll']>>['lastPosition'];
        for (let pages = 0; pages < 20; pages++) {
          const page = await store.readAll({ after, limit: 3 });
          if (!page.lastPosition) break;
          expect(page.events.length).toBeLessThanOrEqual(3);
          seen.push(...page.events.map((e) => (e.data as { i: number }).i));
          after = page.lastPosition;
        }
        expect(seen).toEqual([0, 100, 1, 101, 2, 102, 3, 103, 4, 104]);
        expect(await store.readAll({ after, limit: 3 })).toEqual({ events: [], lastPosition: undefined });
      });

      it('filters by stream prefix and by event type, and still reports how far it scanned', async () => {
        const store = await fresh();
        await store.appendToStream('user-1', [event('Registered'), event('Renamed')], { expectedVersion: 'any' });
        await store.appendToStream('org-1', [event('Founded')], { expectedVersion: 'any' });
        // `_` and `%` in a prefix are literal, not wildcards.
        await store.appendToStream('a_b-1', [event('Registered')], { expectedVersion: 'any' });
        await store.appendToStream('axb-1', [event('Registered')], { expectedVersion: 'any' });
        const last = await store.appendToStream('user-2', [event('Registered')], { expectedVersion: 'any' });
        await waitUntilReadable(store, last.position);

        const users = await store.readAll({ limit: 100, streamPrefixes: ['user-'] });
        expect(users.events.map((e) => e.streamName)).toEqual(['user-1', 'user-1', 'user-2']);
        const literal = await store.readAll({ limit: 100, streamPrefixes: ['a_b-'] });
        expect(literal.events.map((e) => e.streamName)).toEqual(['a_b-1']);
        const registered = await store.readAll({ limit: 100, eventTypes: ['Registered'] });
        expect(registered.events.map((e) => e.streamName)).toEqual(['user-1', 'a_b-1', 'axb-1', 'user-2']);
        const both = await store.readAll({ limit: 100, streamPrefixes: ['user-', 'org-'], eventTypes: ['Founded'] });
        expect(both.events.map((e) => e.streamName)).toEqual(['org-1']);

        const none = await store.readAll({ limit: 100, eventTypes: ['NeverHappened'] });
        expect(none.events).toEqual([]);
        expect(none.lastPosition).toEqual(last.position);
        expect(both.lastPosition).toEqual(last.position);
      });

      it('with a filter and a limit, stops at the last event it returns', async () => {
        const store = await fresh();
        await store.appendToStream('x-1', [event('Keep', { n: 1 }), event('Skip'), event('Keep', { n: 2 })], {
          expectedVersion: 'any',
        });
        const last = await store.appendToStream('x-1', [event('Keep', { n: 3 })], { expectedVersion: 'any' });
        await waitUntilReadable(store, last.position);
        const first = await store.readAll({ limit: 2, eventTypes: ['Keep'] });
        expect(first.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
        expect(first.lastPosition).toEqual(first.events[1]!.position);
        const rest = await store.readAll({ after: first.lastPosition, limit: 2, eventTypes: ['Keep'] });
        expect(rest.events.map((e) => (e.data as { n: number }).n)).toEqual([3]);
      });
    });

    orderingContract(harness, capabilities);
  });
}
