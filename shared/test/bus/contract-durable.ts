import { describe, expect, it } from 'vitest';
import { type DurableMessage, HEADER_MSG_ID } from '../../src/bus/index.js';
import type { ContractContext } from './contract.js';
import { bytes, collector, text, unique } from './helpers.js';

export function durableContract(c: ContractContext): void {
  describe('durable publish', () => {
    it('drops a second publish with the same msgId and keeps its sequence', async () => {
      const subject = `cairn.${unique('svc')}.user.registered.v1`;
      const first = await c.bus().publishDurable(subject, bytes('a'), { msgId: 'evt-1' });
      const again = await c.bus().publishDurable(subject, bytes('a, retried'), { msgId: 'evt-1' });
      const next = await c.bus().publishDurable(subject, bytes('b'), { msgId: 'evt-2' });
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ seq: first.seq, duplicate: true });
      expect(next).toEqual({ seq: first.seq + 1, duplicate: false });

      const got = collector<DurableMessage>();
      const consumer = await c
        .bus()
        .consume({ durable: unique('d'), filterSubjects: [subject], handler: async (m) => got.push(m) });
      await got.waitFor(2);
      expect(got.items.map((m) => text(m.data))).toEqual(['a', 'b']);
      await consumer.close();
    });

    it('keeps the publisher headers and the msgId on the stored message', async () => {
      const subject = `cairn.${unique('svc')}.task.done.v2`;
      const { seq } = await c.bus().publishDurable(subject, bytes('{}'), {
        msgId: 'evt-h',
        headers: {
          'content-type': 'application/cloudevents+json',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
      });
      const got = collector<DurableMessage>();
      const consumer = await c
        .bus()
        .consume({ durable: unique('d'), filterSubjects: [subject], handler: async (m) => got.push(m) });
      const [message] = await got.waitFor(1);
      expect(message).toMatchObject({ subject, seq, deliveryCount: 1 });
      expect(message?.headers).toMatchObject({
        'content-type': 'application/cloudevents+json',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        [HEADER_MSG_ID]: 'evt-h',
      });
      await consumer.close();
    });

    it('refuses subjects that are not event subjects', async () => {
      await expect(c.bus().publishDurable('cairn.rpc.auth.login.v1', bytes('x'), { msgId: 'x1' })).rejects.toThrow(
        /not an event subject/,
      );
      await expect(c.bus().publishDurable('cairn.auth.user.registered', bytes('x'), { msgId: 'x2' })).rejects.toThrow(
        /not an event subject/,
      );
    });
  });
}
