import { describe, expect, it } from 'vitest';
import { type RecordedChange, RecordedChanges } from '../src/ingest/signal.js';

const change = (userId: string, seq: number): RecordedChange => ({
  userId,
  resource: 'accounts',
  id: `a-${seq}`,
  version: 1,
  seq,
});

describe('recorded changes', () => {
  it('reach the watchers of their user only, until each stops watching', () => {
    const recorded = new RecordedChanges();
    const heardByA: number[] = [];
    const heardByB: number[] = [];
    const stopA = recorded.watch('user-a', (c) => heardByA.push(c.seq));
    const stopB = recorded.watch('user-b', (c) => heardByB.push(c.seq));

    recorded.notify(change('user-a', 1));
    recorded.notify(change('user-b', 2));
    stopA();
    recorded.notify(change('user-a', 3));
    recorded.notify(change('user-b', 4));
    stopB();
    recorded.notify(change('user-b', 5));

    expect(heardByA).toEqual([1]);
    expect(heardByB).toEqual([2, 4]);
  });

  it('keeps a user’s other watchers when one stops', () => {
    const recorded = new RecordedChanges();
    const first: number[] = [];
    const second: number[] = [];
    const stopFirst = recorded.watch('user', (c) => first.push(c.seq));
    recorded.watch('user', (c) => second.push(c.seq));
    stopFirst();
    stopFirst();
    recorded.notify(change('user', 7));
    expect(first).toEqual([]);
    expect(second).toEqual([7]);
  });
});
