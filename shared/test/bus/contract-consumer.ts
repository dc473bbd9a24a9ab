import { describe, expect, it } from 'vitest';
import type { ConsumerOptions, DurableMessage } from '../../src/bus/index.js';
import type { ContractContext } from './contract.js';
import { bytes, collector, gate, sleep, text, unique } from './helpers.js';

/** Short enough to keep the suite quick, long enough for a loaded 2-core machine. */
const ACK_WAIT_MS = 600;

interface Delivery {
  readonly data: string;
  readonly seq: number;
  readonly deliveryCount: number;
}

export function consumerContract(c: ContractContext): void {
  /** Publishes `payloads` on a subject of its own and returns a consumer setup for it. */
  async function given(...payloads: string[]) {
    const subject = `cairn.${unique('svc')}.order.placed.v1`;
    for (const [i, payload] of payloads.entries()) {
      await c.bus().publishDurable(subject, bytes(payload), { msgId: `${subject}-${i}` });
    }
    const durable = unique('durable');
    const seen = collector<Delivery>();
    const options = (
      handler: (m: DurableMessage) => Promise<void>,
      more: Partial<ConsumerOptions> = {},
    ): ConsumerOptions => ({
      durable,
      filterSubjects: [subject],
      ackWaitMs: ACK_WAIT_MS,
      handler: async (m) => {
        seen.push({ data: text(m.data), seq: m.seq, deliveryCount: m.deliveryCount });
        await handler(m);
      },
      ...more,
    });
    return { subject, durable, seen, options };
  }

  describe('durable consumers', () => {
    it('delivers in order and never redelivers acknowledged messages', async () => {
      const { seen, options } = await given('m1', 'm2', 'm3');
      const consumer = await c.bus().consume(options(async (m) => m.ack()));
      await seen.waitFor(3);
      await sleep(ACK_WAIT_MS * 2);
      expect(seen.items.map((d) => [d.data, d.deliveryCount])).toEqual([
        ['m1', 1],
        ['m2', 1],
        ['m3', 1],
      ]);
      await consumer.close();
    });

    it('acknowledges automatically when the handler returns without settling', async () => {
      const { seen, options } = await given('auto');
      const consumer = await c.bus().consume(options(async () => undefined));
      await seen.waitFor(1);
      await sleep(ACK_WAIT_MS * 2);
      expect(seen.items).toHaveLength(1);
      await consumer.close();
    });

    it('redelivers after a nak, counting deliveries', async () => {
      const { seen, options } = await given('retry-me');
      const consumer = await c.bus().consume(options(async (m) => (m.deliveryCount < 3 ? m.nak(50) : m.ack())));
      await seen.waitFor(3);
      await sleep(ACK_WAIT_MS * 2);
      expect(seen.items.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
      await consumer.close();
    });

    it('redelivers a message whose handler threw', async () => {
      const { seen, options } = await given('flaky');
      const consumer = await c.bus().consume(
        options(async (m) => {
          if (m.deliveryCount === 1) throw new Error('transient');
        }),
      );
      await seen.waitFor(2, 5_000);
      expect(seen.items.map((d) => [d.data, d.deliveryCount])).toEqual([
        ['flaky', 1],
        ['flaky', 2],
      ]);
      await consumer.close();
    });

    it('gives a crashed instance’s message to another instance after the ack wait', async () => {
      const { seen, options } = await given('orphan');
      const stuck = gate();
      const first = await c.bus().consume(options(() => stuck.promise));
      await seen.waitFor(1);
      const closedAt = Date.now();
      await first.close();
      expect(Date.now() - closedAt).toBeLessThan(ACK_WAIT_MS * 3);

      const second = await (await c.connect()).consume(options(async (m) => m.ack()));
      const deliveries = await seen.waitFor(2, ACK_WAIT_MS * 10);
      expect(deliveries.map((d) => [d.data, d.deliveryCount])).toEqual([
        ['orphan', 1],
        ['orphan', 2],
      ]);
      expect(deliveries[1]?.seq).toBe(deliveries[0]?.seq);
      await second.close();
      stuck.open();
    });

    it('never brings back a terminated message', async () => {
      const { seen, options } = await given('poison', 'fine');
      const consumer = await c
        .bus()
        .consume(options(async (m) => (text(m.data) === 'poison' ? m.term('bad') : m.ack())));
      await seen.waitFor(2);
      await sleep(ACK_WAIT_MS * 2);
      expect(seen.items.map((d) => d.data)).toEqual(['poison', 'fine']);
      await consumer.close();
    });

    it('stops delivering after maxDeliver attempts', async () => {
      const { seen, options } = await given('doomed');
      const consumer = await c.bus().consume(options(async (m) => m.nak(), { maxDeliver: 2 }));
      await seen.waitFor(2);
      await sleep(ACK_WAIT_MS * 2);
      expect(seen.items.map((d) => d.deliveryCount)).toEqual([1, 2]);
      await consumer.close();
    });

    it('resumes a durable where it left off, across instances', async () => {
      const { subject, seen, options } = await given('one', 'two');
      const first = await c.bus().consume(options(async (m) => m.ack()));
      await seen.waitFor(2);
      await first.close();
      await c.bus().publishDurable(subject, bytes('three'), { msgId: `${subject}-3` });
      const second = await c.bus().consume(options(async (m) => m.ack()));
      await seen.waitFor(3);
      await sleep(ACK_WAIT_MS);
      expect(seen.items.map((d) => d.data)).toEqual(['one', 'two', 'three']);
      await second.close();
    });

    it('hands an instance one message at a time, even when it pulls ahead', async () => {
      const { seen, options } = await given('a', 'b', 'c', 'd', 'e');
      let running = 0;
      let most = 0;
      const consumer = await c.bus().consume(
        options(
          async () => {
            running += 1;
            most = Math.max(most, running);
            await sleep(20);
            running -= 1;
          },
          { prefetch: 5 },
        ),
      );
      await seen.waitFor(5);
      await sleep(50);
      expect(seen.items.map((d) => d.data)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(most).toBe(1);
      await consumer.close();
    });

    it('filters on several subjects with wildcards, and can start with new messages only', async () => {
      const svc = unique('svc');
      const publish = (subject: string, id: string) =>
        c.bus().publishDurable(`cairn.${svc}.${subject}`, bytes(id), { msgId: `${svc}-${id}` });
      await publish('user.registered.v1', 'old');
      const everything = collector<string>();
      const onlyNew = collector<string>();
      const filterSubjects = [`cairn.${svc}.user.*.v1`, `cairn.${svc}.org.>`];
      const all = await c
        .bus()
        .consume({ durable: unique('all'), filterSubjects, handler: async (m) => everything.push(text(m.data)) });
      const fresh = await c.bus().consume({
        durable: unique('new'),
        filterSubjects,
        deliverPolicy: 'new',
        handler: async (m) => onlyNew.push(text(m.data)),
      });
      await publish('user.renamed.v1', 'u');
      await publish('task.created.v1', 'skipped');
      await publish('org.created.v1', 'o');
      await everything.waitFor(3);
      await onlyNew.waitFor(2);
      await sleep(200);
      expect(everything.items).toEqual(['old', 'u', 'o']);
      expect(onlyNew.items).toEqual(['u', 'o']);
      await all.close();
      await fresh.close();
    });
  });
}
