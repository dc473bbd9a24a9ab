/** Expected-version semantics of `appendToStream`, the compare-and-set every command handler relies on. */
import { describe, expect, it } from 'vitest';
import { type EventStore, VersionConflictError } from '../../src/eventstore/index.js';
import { event } from './contract.js';

export function versionContract(fresh: () => Promise<EventStore>): void {
  describe('expected version', () => {
    const conflictOf = async (promise: Promise<unknown>): Promise<VersionConflictError> => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VersionConflictError);
      return error as VersionConflictError;
    };

    it('no_stream: creates once, then conflicts', async () => {
      const store = await fresh();
      const created = await store.appendToStream('s-1', [event('A')], { expectedVersion: 'no_stream' });
      const conflict = await conflictOf(store.appendToStream('s-1', [event('B')], { expectedVersion: 'no_stream' }));
      expect(conflict.streamName).toBe('s-1');
      expect(conflict.expected).toBe('no_stream');
      expect(conflict.actual).toBe(created.nextExpectedVersion);
    });

    it('stream_exists: conflicts on a missing stream, appends to an existing one', async () => {
      const store = await fresh();
      const conflict = await conflictOf(
        store.appendToStream('s-1', [event('A')], { expectedVersion: 'stream_exists' }),
      );
      expect(conflict.actual).toBeUndefined();
      await store.appendToStream('s-1', [event('A')], { expectedVersion: 'no_stream' });
      await store.appendToStream('s-1', [event('B')], { expectedVersion: 'stream_exists' });
      expect((await store.readStream('s-1')).events.map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('any: appends whether or not the stream exists', async () => {
      const store = await fresh();
      await store.appendToStream('s-1', [event('A')], { expectedVersion: 'any' });
      await store.appendToStream('s-1', [event('B'), event('C')], { expectedVersion: 'any' });
      expect((await store.readStream('s-1')).events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
    });

    it('exact: appends at the version read, conflicts on a stale one and writes nothing', async () => {
      const store = await fresh();
      const first = await store.appendToStream('s-1', [event('A')], { expectedVersion: 'no_stream' });
      const second = await store.appendToStream('s-1', [event('B')], { expectedVersion: first.nextExpectedVersion });
      const conflict = await conflictOf(
        store.appendToStream('s-1', [event('C'), event('D')], { expectedVersion: first.nextExpectedVersion }),
      );
      expect(conflict.actual).toBe(second.nextExpectedVersion);
      const read = await store.readStream('s-1');
      expect(read.events.map((e) => e.type)).toEqual(['A', 'B']);
      expect(read.version).toBe(second.nextExpectedVersion);
    });

    it('exact: a version of another stream or from the future conflicts', async () => {
      const store = await fresh();
      const a = await store.appendToStream('s-1', [event('A'), event('A')], { expectedVersion: 'no_stream' });
      await conflictOf(store.appendToStream('s-2', [event('B')], { expectedVersion: a.nextExpectedVersion }));
      expect((await store.readStream('s-2')).exists).toBe(false);
    });

    it('50 concurrent appends at one version: exactly one wins, the rest conflict', async () => {
      const store = await fresh();
      const base = await store.appendToStream('hot-1', [event('Created')], { expectedVersion: 'no_stream' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          store.appendToStream('hot-1', [event('Raced', { i }), event('Raced', { i })], {
            expectedVersion: base.nextExpectedVersion,
          }),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((o) => o.reason instanceof VersionConflictError)).toBe(true);
      const read = await store.readStream('hot-1');
      expect(read.events).toHaveLength(3);
      const winners = new Set(read.events.slice(1).map((e) => (e.data as { i: number }).i));
      expect(winners.size).toBe(1);
    });

    it('20 concurrent creations of one stream: exactly one wins', async () => {
      const store = await fresh();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.appendToStream('new-1', [event('Created', { i })], { expectedVersion: 'no_stream' }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(
        outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof VersionConflictError),
      ).toBe(true);
      expect((await store.readStream('new-1')).events).toHaveLength(1);
    });

    it('concurrent appends with any all land, none lost', async () => {
      const store = await fresh();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.appendToStream('any-1', [event('E', { i })], { expectedVersion: 'any' }),
        ),
      );
      const read = await store.readStream('any-1');
      expect(read.events.map((e) => (e.data as { i: number }).i).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
    });
  });
}
