import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { runUntilSignalled } from '../../src/runtime/signals.js';

/** A stand-in for `process`: signals are emitted by the test, exits are recorded. */
function harness(options: { timeoutMs?: number; duplicateWindowMs?: number } = {}) {
  const target = new EventEmitter();
  const exits: number[] = [];
  const order: string[] = [];
  let finishStop: () => void = () => undefined;
  const stop = vi.fn(
    () =>
      new Promise<void>((resolve) => {
        order.push('stop started');
        finishStop = () => {
          order.push('stop finished');
          resolve();
        };
      }),
  );
  const dispose = runUntilSignalled(stop, {
    target: target as unknown as NodeJS.Process,
    exit: (code) => {
      exits.push(code);
      order.push(`exit ${code}`);
    },
    ...options,
  });
  return { target, exits, order, stop, finish: () => finishStop(), dispose };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('runUntilSignalled', () => {
  it('stops gracefully on SIGTERM and exits 0 only after stop has finished', async () => {
    const h = harness();
    h.target.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(h.stop).toHaveBeenCalledTimes(1);
    expect(h.exits).toEqual([]);
    h.finish();
    await flush();
    expect(h.order).toEqual(['stop started', 'stop finished', 'exit 0']);
  });

  it('treats SIGINT the same way', async () => {
    const h = harness();
    h.target.emit('SIGINT', 'SIGINT');
    h.finish();
    await flush();
    expect(h.exits).toEqual([0]);
  });

  it('forces the exit on a second signal while stopping, without a second stop', async () => {
    const h = harness({ duplicateWindowMs: 0 });
    h.target.emit('SIGINT', 'SIGINT');
    h.target.emit('SIGINT', 'SIGINT');
    await flush();
    expect(h.stop).toHaveBeenCalledTimes(1);
    expect(h.exits).toEqual([130]);
  });

  it('ignores the same signal delivered twice at once (npm and tsx forwarding a Ctrl-C)', async () => {
    const h = harness({ duplicateWindowMs: 60_000 });
    h.target.emit('SIGINT', 'SIGINT');
    h.target.emit('SIGINT', 'SIGINT');
    await flush();
    expect(h.exits).toEqual([]);
    // A different signal is a deliberate second request: it forces.
    h.target.emit('SIGTERM', 'SIGTERM');
    expect(h.exits).toEqual([143]);
  });

  it('exits 1 when stop fails', async () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    runUntilSignalled(() => Promise.reject(new Error('boom')), {
      target: target as unknown as NodeJS.Process,
      exit: (code) => exits.push(code),
    });
    target.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(exits).toEqual([1]);
  });

  it('exits 1 when stop takes longer than the timeout', async () => {
    vi.useFakeTimers();
    try {
      const h = harness({ timeoutMs: 1_000 });
      h.target.emit('SIGTERM', 'SIGTERM');
      vi.advanceTimersByTime(999);
      expect(h.exits).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(h.exits).toEqual([1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('removes its handlers when disposed', () => {
    const h = harness();
    expect(h.target.listenerCount('SIGTERM')).toBe(1);
    h.dispose();
    expect(h.target.listenerCount('SIGTERM')).toBe(0);
    expect(h.target.listenerCount('SIGINT')).toBe(0);
  });
});
