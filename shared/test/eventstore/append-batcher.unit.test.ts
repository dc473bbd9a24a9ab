/** The batcher's scheduling, with a send function the test answers by hand (no database). */
import { describe, expect, it } from 'vitest';
import { AppendBatcher, type BatchItem } from '../../src/eventstore/postgres/append-batcher.js';

interface Item extends BatchItem {
  readonly id: string;
}

const item = (id: string, streamName: string, size = 1, alone = false): Item => ({ id, streamName, size, alone });

/** Records every batch sent; `answer(i)` settles batch i (each item resolves with its id, or all reject). */
function recorder(limits = { batchesInFlight: 2, eventsPerBatch: 10 }) {
  const sent: { ids: string[]; settle: (error?: Error) => void }[] = [];
  const batcher = new AppendBatcher<Item, string>(
    (items) =>
      new Promise((resolve, reject) => {
        sent.push({
          ids: items.map((i) => i.id),
          settle: (error) =>
            error ? reject(error) : resolve(items.map((i) => ({ status: 'fulfilled' as const, value: i.id }))),
        });
      }),
    limits,
  );
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { batcher, sent, tick, batches: () => sent.map((b) => b.ids) };
}

describe('AppendBatcher', () => {
  it('sends appends made in one tick as one batch, and a lone append at once', async () => {
    const { batcher, sent, tick, batches } = recorder();
    const lone = batcher.submit(item('a', 's1'));
    await tick();
    expect(batches()).toEqual([['a']]);
    const together = [batcher.submit(item('b', 's2')), batcher.submit(item('c', 's3'))];
    await tick();
    expect(batches()).toEqual([['a'], ['b', 'c']]);
    sent[0]!.settle();
    sent[1]!.settle();
    expect(await lone).toBe('a');
    expect(await Promise.all(together)).toEqual(['b', 'c']);
  });

  it('holds a second append to a stream until the first is answered, without holding up others', async () => {
    const { batcher, sent, tick, batches } = recorder();
    const results = [
      batcher.submit(item('a1', 'a')),
      batcher.submit(item('a2', 'a')),
      batcher.submit(item('b1', 'b')),
      batcher.submit(item('a3', 'a')),
    ];
    await tick();
    expect(batches()).toEqual([['a1', 'b1']]);
    sent[0]!.settle();
    await tick();
    expect(batches()).toEqual([['a1', 'b1'], ['a2']]);
    sent[1]!.settle();
    await tick();
    expect(batches()).toEqual([['a1', 'b1'], ['a2'], ['a3']]);
    sent[2]!.settle();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('keeps to the batch slots and the event limit, grouping what waits', async () => {
    const { batcher, sent, tick, batches } = recorder({ batchesInFlight: 2, eventsPerBatch: 3 });
    const all = [
      batcher.submit(item('a', 's1', 2)),
      batcher.submit(item('b', 's2', 2)),
      batcher.submit(item('c', 's3', 5)),
      batcher.submit(item('d', 's4', 1)),
    ];
    await tick();
    // Two slots: [a] (b would pass 3 events), [b]; c and d wait.
    expect(batches()).toEqual([['a'], ['b']]);
    sent[0]!.settle();
    await tick();
    // An append above the limit still goes, alone.
    expect(batches()).toEqual([['a'], ['b'], ['c']]);
    sent[1]!.settle();
    await tick();
    expect(batches()).toEqual([['a'], ['b'], ['c'], ['d']]);
    sent[2]!.settle();
    sent[3]!.settle();
    expect(await Promise.all(all)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sends an alone append by itself and without a slot, but still in stream order', async () => {
    const { batcher, sent, tick, batches } = recorder({ batchesInFlight: 1, eventsPerBatch: 10 });
    const all = [
      batcher.submit(item('x', 's1')),
      batcher.submit(item('alone1', 's2', 1, true)),
      batcher.submit(item('y', 's3')),
      batcher.submit(item('alone2', 's1', 1, true)),
    ];
    await tick();
    expect(batches()).toEqual([['alone1'], ['x', 'y']]);
    // alone2 waits for x, the earlier append to s1.
    sent[1]!.settle();
    await tick();
    expect(batches()).toEqual([['alone1'], ['x', 'y'], ['alone2']]);
    sent[0]!.settle();
    sent[2]!.settle();
    expect(await Promise.all(all)).toEqual(['x', 'alone1', 'y', 'alone2']);
  });

  it('fails every append of a batch whose send fails, and goes on with the next', async () => {
    const { batcher, sent, tick } = recorder({ batchesInFlight: 1, eventsPerBatch: 10 });
    const failed = [batcher.submit(item('a', 's1')), batcher.submit(item('b', 's2'))];
    await tick();
    const later = batcher.submit(item('c', 's1'));
    sent[0]!.settle(new Error('connection lost'));
    for (const f of failed) await expect(f).rejects.toThrow('connection lost');
    await tick();
    sent[1]!.settle();
    expect(await later).toBe('c');
  });
});
