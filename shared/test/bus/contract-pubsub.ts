import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src/bus/index.js';
import type { ContractContext } from './contract.js';
import { bytes, collector, sleep, text, unique } from './helpers.js';

export function pubsubContract(c: ContractContext): void {
  describe('publish/subscribe', () => {
    it('delivers to exact, * and > subscriptions, with headers', async () => {
      // Outside `cairn.`: a five-token `cairn.*` subject belongs to the events stream.
      const kind = `app.${unique('kind')}`;
      const exact = collector<Notification>();
      const oneToken = collector<Notification>();
      const rest = collector<Notification>();
      const subs = [
        c.bus().subscribe(`${kind}.u1`, exact.push),
        c.bus().subscribe(`${kind}.*`, oneToken.push),
        c.bus().subscribe(`${kind}.>`, rest.push),
      ];
      await c.bus().ping();
      c.bus().publish(`${kind}.u1`, bytes('one'), { 'x-kind': 'greeting' });
      c.bus().publish(`${kind}.u2`, bytes('two'));
      c.bus().publish(`${kind}.u3.deep`, bytes('three'));

      await rest.waitFor(3);
      await oneToken.waitFor(2);
      await exact.waitFor(1);
      await sleep(50);
      expect(exact.items.map((n) => text(n.data))).toEqual(['one']);
      expect(oneToken.items.map((n) => text(n.data))).toEqual(['one', 'two']);
      expect(rest.items.map((n) => n.subject)).toEqual([`${kind}.u1`, `${kind}.u2`, `${kind}.u3.deep`]);
      expect(exact.items[0]?.headers['x-kind']).toBe('greeting');
      for (const sub of subs) await sub.close();
    });

    it('reaches subscribers on another connection, and stops after close', async () => {
      const kind = unique('kind');
      const listener = await c.connect();
      const got = collector<Notification>();
      const sub = listener.subscribe(`${kind}.*`, got.push);
      await listener.ping();
      c.bus().publish(`${kind}.a`, bytes('first'));
      await got.waitFor(1);
      await sub.close();
      await listener.ping();
      c.bus().publish(`${kind}.a`, bytes('second'));
      await sleep(100);
      expect(got.items.map((n) => text(n.data))).toEqual(['first']);
    });

    it('refuses an ephemeral publish onto the events stream subjects', () => {
      expect(() => c.bus().publish('cairn.auth.user.registered.v1', bytes('x'))).toThrow(/publishDurable/);
      expect(() => c.bus().publish('cairn.notify.*.x', bytes('x'))).toThrow(/wildcards/);
    });
  });
}
