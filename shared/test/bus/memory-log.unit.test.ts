/** Limits of the in-process events log that the contract cannot reach quickly over NATS. */
import { describe, expect, it } from 'vitest';
import { createMemoryBus, type DurableMessage } from '../../src/bus/index.js';
import { MemoryLog } from '../../src/bus/memory/log.js';
import { createLogger } from '../../src/logging/index.js';
import { bytes, collector, sleep, text } from './helpers.js';

const logger = createLogger({ name: 'memory-log-test', level: 'silent' });

describe('in-process events log', () => {
  it('accepts a msgId again once the duplicate window has passed', async () => {
    const bus = createMemoryBus({ duplicateWindowMs: 50, logger });
    const subject = 'cairn.auth.user.registered.v1';
    const first = await bus.publishDurable(subject, bytes('a'), { msgId: 'same' });
    expect((await bus.publishDurable(subject, bytes('a'), { msgId: 'same' })).duplicate).toBe(true);
    await sleep(80);
    const later = await bus.publishDurable(subject, bytes('a'), { msgId: 'same' });
    expect(later).toEqual({ seq: first.seq + 1, duplicate: false });
    await bus.close();
  });

  it('keeps at most maxDurableMessages, and a new durable starts at the oldest kept', async () => {
    const bus = createMemoryBus({ maxDurableMessages: 2, logger });
    for (const id of ['1', '2', '3'])
      await bus.publishDurable('cairn.auth.user.registered.v1', bytes(id), { msgId: id });
    const got = collector<DurableMessage>();
    const consumer = await bus.consume({
      durable: 'late',
      filterSubjects: ['cairn.>'],
      handler: async (m) => got.push(m),
    });
    await got.waitFor(2);
    await sleep(20);
    expect(got.items.map((m) => [text(m.data), m.seq])).toEqual([
      ['2', 2],
      ['3', 3],
    ]);
    await consumer.close();
    await bus.close();
  });

  it('keeps finding messages by seq long after the cap started dropping the oldest', () => {
    const log = new MemoryLog({ duplicateWindowMs: 1_000, maxMessages: 10 });
    for (let i = 1; i <= 5_000; i++) log.append('cairn.a.b.c.v1', bytes(String(i)), {}, `id-${i}`);
    expect([log.firstSeq, log.lastSeq]).toEqual([4_991, 5_000]);
    expect(log.get(4_990)).toBeUndefined();
    expect(text(log.get(4_991)!.data)).toBe('4991');
    expect(text(log.get(5_000)!.data)).toBe('5000');
    expect(log.get(5_001)).toBeUndefined();
  });

  it('copies what it stores, so a publisher reusing its buffer changes nothing', () => {
    const log = new MemoryLog({ duplicateWindowMs: 1_000, maxMessages: 10 });
    const buffer = bytes('original');
    log.append('cairn.a.b.c.v1', buffer, {}, 'id');
    buffer.fill(0);
    expect(text(log.get(1)!.data)).toBe('original');
  });

  it('refuses every call once closed', async () => {
    const bus = createMemoryBus({ logger });
    await bus.close();
    await expect(bus.request('x', 'y', {}, { context: { requestId: 'r' } })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    await expect(bus.ping()).rejects.toThrow(/closed/);
  });
});
