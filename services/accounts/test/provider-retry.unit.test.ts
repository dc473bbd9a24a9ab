/**
 * The provider client's retry policy on its own: which attempts are repeated, how long it waits
 * between them, and when it stops (retries spent, a Retry-After beyond the cap, the deadline).
 */
import { describe, expect, it } from 'vitest';
import { type Attempt, backoffDelay, type RetryPolicy, retryAfterMs, withRetries } from '../src/provider/retry.js';

function clockedPolicy(overrides: Partial<RetryPolicy> = {}) {
  let now = 1_000_000;
  const waits: number[] = [];
  const policy: RetryPolicy = {
    retries: 2,
    timeoutMs: 1000,
    backoffMs: 100,
    maxRetryAfterMs: 3000,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    ...overrides,
  };
  return { policy, waits, advance: (ms: number) => (now += ms), at: () => now };
}

/** An attempt function answering the scripted results in turn, recording the timeout each got. */
function scripted(...results: Attempt<string>[]) {
  const timeouts: number[] = [];
  const attempt = async (timeoutMs: number) => {
    timeouts.push(timeoutMs);
    return results.shift()!;
  };
  return { attempt, timeouts };
}

const transient = (reason: string, retryAfter?: number): Attempt<string> => ({
  kind: 'transient',
  reason,
  ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
});
const done = (outcome: string): Attempt<string> => ({ kind: 'done', outcome });
const ignore = () => {};

describe('withRetries', () => {
  it('answers the first attempt that is done, without waiting', async () => {
    const { policy, waits } = clockedPolicy();
    const { attempt, timeouts } = scripted(done('ok'));
    expect(await withRetries(policy, undefined, attempt, ignore)).toBe('ok');
    expect(timeouts).toEqual([1000]);
    expect(waits).toEqual([]);
  });

  it('repeats transient failures with growing backoff, reporting each', async () => {
    const { policy, waits } = clockedPolicy();
    const reports: unknown[] = [];
    const { attempt } = scripted(transient('HTTP 503'), transient('timeout'), done('ok'));
    expect(await withRetries(policy, undefined, attempt, (r) => reports.push(r))).toBe('ok');
    expect(reports).toEqual([
      { attempt: 1, reason: 'HTTP 503' },
      { attempt: 2, reason: 'timeout' },
    ]);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('fails with the last reason once the retries are spent', async () => {
    const { policy } = clockedPolicy({ retries: 1 });
    const { attempt, timeouts } = scripted(transient('HTTP 500'), transient('HTTP 502'), done('never reached'));
    expect(await withRetries(policy, undefined, attempt, ignore)).toEqual({
      kind: 'failed',
      reason: 'HTTP 502 (2 attempts)',
      attempts: 2,
    });
    expect(timeouts).toHaveLength(2);
  });

  it('makes a single attempt with no retries', async () => {
    const { policy } = clockedPolicy({ retries: 0 });
    const { attempt } = scripted(transient('HTTP 500'), done('never reached'));
    expect(await withRetries(policy, undefined, attempt, ignore)).toEqual({
      kind: 'failed',
      reason: 'HTTP 500 (1 attempt)',
      attempts: 1,
    });
  });

  it('waits a Retry-After within the cap instead of the shorter backoff', async () => {
    const { policy, waits } = clockedPolicy();
    const { attempt } = scripted(transient('HTTP 429', 2000), done('ok'));
    expect(await withRetries(policy, undefined, attempt, ignore)).toBe('ok');
    expect(waits).toEqual([2000]);
  });

  it('stops at once when the Retry-After is beyond the cap', async () => {
    const { policy, waits } = clockedPolicy();
    const { attempt } = scripted(transient('HTTP 429', 60_000), done('never reached'));
    expect(await withRetries(policy, undefined, attempt, ignore)).toEqual({
      kind: 'failed',
      reason: 'HTTP 429 (1 attempt; provider asked to wait 60 s)',
      attempts: 1,
    });
    expect(waits).toEqual([]);
  });

  it('shortens the last attempt to the deadline and does not wait past it', async () => {
    const { policy, at, advance } = clockedPolicy({ timeoutMs: 1000 });
    const deadline = at() + 1500;
    const timeouts: number[] = [];
    const timingOut = async (timeoutMs: number) => {
      timeouts.push(timeoutMs);
      advance(timeoutMs);
      return transient('timeout');
    };
    expect(await withRetries(policy, deadline, timingOut, ignore)).toEqual({
      kind: 'failed',
      reason: 'timeout (2 attempts; deadline reached)',
      attempts: 2,
    });
    expect(timeouts[0]).toBe(1000);
    expect(timeouts[1]).toBeGreaterThanOrEqual(400);
    expect(timeouts[1]).toBeLessThanOrEqual(450);
    expect(at()).toBe(deadline);
  });

  it('does not ask at all once the deadline has passed', async () => {
    const { policy, at } = clockedPolicy();
    const { attempt, timeouts } = scripted(done('never reached'));
    expect(await withRetries(policy, at() - 1, attempt, ignore)).toEqual({
      kind: 'failed',
      reason: 'deadline reached before asking',
      attempts: 0,
    });
    expect(timeouts).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt, jittered between half and all of it', () => {
    for (let i = 0; i < 50; i++) {
      const third = backoffDelay(200, 3);
      expect(third).toBeGreaterThanOrEqual(400);
      expect(third).toBeLessThanOrEqual(800);
    }
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date, a past one meaning no wait', () => {
    expect(retryAfterMs('Sat, 01 Mar 2025 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-3', now)).toBeUndefined();
  });
});
