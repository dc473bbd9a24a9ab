import { describe, expect, it } from 'vitest';
import { AccountQueue } from '../src/support/account-queue.js';
import { describeLatency, summarize } from '../src/support/latency.js';
import { selectedPhases } from '../src/support/phases.js';
import { matchSyncMessages } from '../src/support/sync-latency.js';

describe('AccountQueue', () => {
  it('never hands out an account whose write is still in flight', () => {
    const queue = new AccountQueue([
      { id: 'a', version: 1 },
      { id: 'b', version: 1 },
    ]);
    const first = queue.take();
    const second = queue.take();
    expect([first?.id, second?.id]).toEqual(['a', 'b']);
    expect(queue.take()).toBeUndefined();
    expect(queue.idleCount).toBe(0);
  });

  it('gives an account back at the version the server answered, behind the others', () => {
    const queue = new AccountQueue([
      { id: 'a', version: 1 },
      { id: 'b', version: 7 },
    ]);
    const a = queue.take()!;
    queue.give(a, 2);
    expect(queue.take()).toEqual({ id: 'b', version: 7 });
    expect(queue.take()).toEqual({ id: 'a', version: 2 });
  });

  it('keeps its order over many rounds (the array is compacted on the way)', () => {
    const queue = new AccountQueue(Array.from({ length: 3 }, (_, i) => ({ id: `acc-${i}`, version: 1 })));
    const seen: string[] = [];
    for (let round = 0; round < 3_000; round++) {
      const account = queue.take()!;
      seen.push(account.id);
      queue.give(account, account.version + 1);
    }
    expect(seen.slice(-3)).toEqual(['acc-0', 'acc-1', 'acc-2']);
    expect(queue.take()).toEqual({ id: 'acc-0', version: 1_001 });
  });

  it('does not change the accounts it was given', () => {
    const accounts = [{ id: 'a', version: 1 }];
    const queue = new AccountQueue(accounts);
    queue.give(queue.take()!, 5);
    expect(accounts).toEqual([{ id: 'a', version: 1 }]);
  });
});

describe('matchSyncMessages', () => {
  const log = [
    { id: 'a', version: 2, cursor: 'c1' },
    { id: 'b', version: 2, cursor: 'c2' },
    { id: 'a', version: 3, cursor: 'c3' },
  ];

  it('times each write to the first message whose cursor is at or after its change', () => {
    const result = matchSyncMessages(
      [
        { id: 'a', version: 2, sentAt: 100 },
        { id: 'b', version: 2, sentAt: 110 },
        { id: 'a', version: 3, sentAt: 120 },
      ],
      log,
      [
        { cursor: 'c2', at: 140 },
        { cursor: 'c3', at: 150 },
      ],
    );
    expect(result.latencies).toEqual([40, 30, 30]);
    expect(result).toMatchObject({ notLogged: 0, notNotified: 0, unknownMessages: 0 });
  });

  it('does not count a message that only covers earlier changes', () => {
    const result = matchSyncMessages([{ id: 'a', version: 3, sentAt: 100 }], log, [{ cursor: 'c2', at: 105 }]);
    expect(result.latencies).toEqual([]);
    expect(result.notNotified).toBe(1);
  });

  it('counts writes missing from the log and messages with a cursor it does not know', () => {
    const result = matchSyncMessages([{ id: 'z', version: 1, sentAt: 0 }], log, [{ cursor: 'elsewhere', at: 5 }]);
    expect(result).toMatchObject({ latencies: [], notLogged: 1, notNotified: 0, unknownMessages: 1 });
  });

  it('takes messages in the order they were received, whatever order they are listed in', () => {
    const result = matchSyncMessages([{ id: 'a', version: 2, sentAt: 0 }], log, [
      { cursor: 'c3', at: 50 },
      { cursor: 'c1', at: 20 },
    ]);
    expect(result.latencies).toEqual([20]);
  });
});

describe('summarize', () => {
  it('gives count, percentiles, worst and mean, rounded to hundredths', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1 + 0.004);
    expect(summarize(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('reports no samples as a count of zero, not as zero latency', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.p99).toBeNaN();
  });

  it('reads as one line for a note', () => {
    expect(describeLatency(summarize([1, 2, 3]))).toBe('p50 2 ms, p95 3 ms, p99 3 ms, max 3 ms (n=3)');
  });
});

describe('selectedPhases', () => {
  const all = ['get', 'list', 'put'] as const;

  it('runs every phase when none is named', () => {
    expect(selectedPhases(undefined, all)).toEqual(['get', 'list', 'put']);
    expect(selectedPhases(' ', all)).toEqual(['get', 'list', 'put']);
  });

  it("runs the named ones in the scenario's order", () => {
    expect(selectedPhases('put, get', all)).toEqual(['get', 'put']);
  });

  it('refuses a phase it does not have', () => {
    expect(() => selectedPhases('get,lag', all)).toThrow(/unknown phase\(s\) lag/);
  });
});
