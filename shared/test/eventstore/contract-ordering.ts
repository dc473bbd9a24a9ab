/**
 * The global log under concurrent writers: a reader that checkpoints on `lastPosition` must never skip
 * an event (a write that began first but commits last) and never see one twice. A log ordered by a
 * sequence alone fails these tests.
 */
import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  type GlobalPosition,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
} from '../../src/eventstore/index.js';
import { newId } from '../../src/ids/index.js';
import type { ContractCapabilities, EventStoreHarness } from './contract.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomInt = (max: number) => Math.floor(Math.random() * (max + 1));
const idOf = (e: RecordedEvent) => e.metadata.eventId;

/** Reads the log the way a projection does: from its last position, page after page. */
class CheckpointingReader {
  readonly seen: RecordedEvent[] = [];
  private after: GlobalPosition | undefined;
  constructor(
    private readonly read: (options: ReadAllOptions) => ReturnType<EventStoreHarness['store']['readAll']>,
    private readonly filter: Omit<ReadAllOptions, 'limit' | 'after'> = {},
  ) {}

  /** One page; false when there was nothing to read. */
  async poll(limit = 97): Promise<boolean> {
    const page = await this.read({ ...this.filter, after: this.after, limit });
    if (page.lastPosition && this.after) expect(comparePositions(page.lastPosition, this.after)).toBeGreaterThan(0);
    this.seen.push(...page.events);
    if (page.lastPosition) this.after = page.lastPosition;
    return page.lastPosition !== undefined;
  }
}

function expectEachOnceInLogOrder(seen: readonly RecordedEvent[], expectedIds: ReadonlySet<string>): void {
  const ids = seen.map(idOf);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(expectedIds.size);
  for (const id of ids) expect(expectedIds.has(id)).toBe(true);
  for (let i = 1; i < seen.length; i++) {
    expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBeLessThan(0);
  }
  // Within a stream the log order is the stream's version order, without gaps.
  const versions = new Map<string, bigint[]>();
  for (const e of seen) versions.set(e.streamName, [...(versions.get(e.streamName) ?? []), e.streamVersion]);
  for (const list of versions.values()) {
    for (let i = 1; i < list.length; i++) expect(list[i]! - list[i - 1]!).toBe(1n);
  }
}

export function orderingContract(harness: () => Promise<EventStoreHarness>, capabilities: ContractCapabilities): void {
  describe('global log under concurrent writers', () => {
    if (capabilities.heldAppends) {
      it('a write that began first and commits last is read once, not skipped', async () => {
        const h = await harness();
        const reader = new CheckpointingReader((o) => h.store.readAll(o));
        const slow = await h.beginHeldAppend!('slow-1', [{ type: 'Slow', data: {} }], 'no_stream');
        await h.store.appendToStream('fast-1', [{ type: 'Fast', data: {} }], { expectedVersion: 'no_stream' });
        await h.store.appendToStream('fast-2', [{ type: 'Fast', data: {} }], { expectedVersion: 'no_stream' });
        await reader.poll();
        await reader.poll();
        await slow.commit();
        const deadline = Date.now() + 10_000;
        while (reader.seen.length < 3 && Date.now() < deadline) {
          if (!(await reader.poll())) await sleep(5);
        }
        expect(await reader.poll()).toBe(false);
        expect(reader.seen.map((e) => e.type).sort()).toEqual(['Fast', 'Fast', 'Slow']);
        expectEachOnceInLogOrder(reader.seen, new Set(reader.seen.map(idOf)));
      });
    }

    it('8 writers × 500 events with random delays: a polling reader sees each exactly once', async () => {
      const h = await harness();
      const writers = 8;
      const perWriter = 500;
      const appended = new Set<string>();
      const streams = Array.from({ length: 12 }, (_, i) => `load-${i}`);
      let writing = true;

      const write = async (w: number) => {
        for (let i = 0; i < perWriter; i++) {
          const streamName = streams[(w * 7 + i) % streams.length]!;
          const eventId = newId();
          const events: NewEvent[] = [{ type: 'Tick', data: { w, i }, metadata: { eventId } }];
          if (h.beginHeldAppend && i % 4 === 0) {
            // Hold the write open for a moment, so commits land out of the order positions were taken.
            const held = await h.beginHeldAppend(streamName, events, 'any');
            await sleep(randomInt(3));
            await held.commit();
          } else {
            await h.store.appendToStream(streamName, events, { expectedVersion: 'any' });
          }
          appended.add(eventId);
          if (Math.random() < 0.1) await sleep(randomInt(2));
        }
      };

      const everything = new CheckpointingReader((o) => h.store.readAll(o));
      const filtered = new CheckpointingReader((o) => h.store.readAll(o), { streamPrefixes: ['load-1'] });
      const read = async () => {
        const deadline = Date.now() + 60_000;
        // Keep polling while writers run, then until everything arrived (a transaction elsewhere on the
        // server may hold the log back for a while: the reader waits, it never skips).
        while (writing || (everything.seen.length < appended.size && Date.now() < deadline)) {
          const more = await everything.poll();
          await filtered.poll(31);
          if (!more) await sleep(randomInt(2));
        }
        while (await filtered.poll(31)) {}
      };

      const reading = read();
      await Promise.all(Array.from({ length: writers }, (_, w) => write(w)));
      writing = false;
      await reading;

      expect(appended.size).toBe(writers * perWriter);
      expectEachOnceInLogOrder(everything.seen, appended);
      // Nothing more, nothing repeated, once the log is drained.
      expect(await everything.poll()).toBe(false);

      const inFilter = new Set(everything.seen.filter((e) => e.streamName.startsWith('load-1')).map(idOf));
      expectEachOnceInLogOrder(filtered.seen, inFilter);
    }, 120_000);
  });
}
