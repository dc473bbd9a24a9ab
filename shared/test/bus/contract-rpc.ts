import { describe, expect, it } from 'vitest';
import { BusError, type RequestContext } from '../../src/bus/index.js';
import { DomainError } from '../../src/http/errors.js';
import type { ContractContext } from './contract.js';
import { gate, sleep, unique } from './helpers.js';

const context: RequestContext = { requestId: 'req-1' };

export function rpcContract(c: ContractContext): void {
  describe('request/reply', () => {
    it('delivers the payload and every context header, and returns the handler result', async () => {
      const service = unique('echo');
      let seen: { payload: unknown; context: RequestContext } | undefined;
      await c.bus().serve({
        name: service,
        version: '1.0.0',
        operations: {
          echo: async (payload, ctx) => {
            seen = { payload, context: ctx };
            return { echoed: payload };
          },
        },
      });
      const payload = { text: 'hello', nested: { n: 1 }, at: new Date('2030-01-01T00:00:00Z') };
      const sent: RequestContext = {
        requestId: 'req-42',
        actor: { kind: 'user', id: 'u-1', role: 'admin', orgId: 'o-1', sessionId: 's-1' },
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: 'vendor=value',
        idempotencyKey: 'idem-1',
        deadline: Date.now() + 10_000,
      };
      const reply = await c.bus().request(service, 'echo', payload, { context: sent });

      // Over JSON, as on the wire: the Date arrives as its ISO string, and nothing is shared by reference.
      const expected = { text: 'hello', nested: { n: 1 }, at: '2030-01-01T00:00:00.000Z' };
      expect(reply).toEqual({ ok: true, data: { echoed: expected } });
      expect(seen?.payload).toEqual(expected);
      expect(seen?.payload).not.toBe(payload);
      expect(seen?.context).toEqual(sent);
    });

    it('returns a reply larger than one NATS message (1 MiB) whole, and small ones beside it', async () => {
      const service = unique('big');
      const rows = Array.from({ length: 30_000 }, (_, i) => ({ id: `row-${i}`, text: 'x'.repeat(80) }));
      await c.bus().serve({
        name: service,
        version: '1.0.0',
        operations: { all: async () => ({ rows }), one: async () => ({ row: rows[0] }) },
      });
      const [big, small] = await Promise.all([
        c.bus().request<{ rows: typeof rows }>(service, 'all', {}, { context, timeoutMs: 20_000 }),
        c.bus().request(service, 'one', {}, { context }),
      ]);
      expect(JSON.stringify(rows).length).toBeGreaterThan(3 * 1024 * 1024);
      expect(big.ok && big.data.rows.length).toBe(30_000);
      expect(big.ok && big.data.rows[29_999]).toEqual(rows[29_999]);
      expect(small).toEqual({ ok: true, data: { row: rows[0] } });
    });

    it('maps a DomainError to its code, message and details', async () => {
      const service = unique('refuser');
      await c.bus().serve({
        name: service,
        version: '1.0.0',
        operations: {
          get: async () => {
            throw new DomainError('USER_NOT_FOUND', 'User not found', { id: 'u-9' });
          },
        },
      });
      const reply = await c.bus().request(service, 'get', { id: 'u-9' }, { context });
      expect(reply).toEqual({
        ok: false,
        error: { code: 'USER_NOT_FOUND', message: 'User not found', details: { id: 'u-9' } },
      });
    });

    it('hides any other error as INTERNAL_ERROR and logs it', async () => {
      const service = unique('buggy');
      await c.bus().serve({
        name: service,
        version: '1.0.0',
        operations: {
          run: async () => {
            throw new Error('connection string postgres://secret@db');
          },
        },
      });
      const reply = await c.bus().request(service, 'run', {}, { context: { requestId: 'req-bug' } });
      expect(reply).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'Internal error' } });
      expect(JSON.stringify(reply)).not.toContain('secret');
      const logged = c.logs().find((line) => line.rpcService === service);
      expect(logged).toMatchObject({
        level: 50,
        requestId: 'req-bug',
        err: { message: 'connection string postgres://secret@db' },
      });
    });

    it('rejects with SERVICE_UNAVAILABLE at once when nobody serves the operation', async () => {
      const started = Date.now();
      const call = c.bus().request(unique('ghost'), 'anything', {}, { context, timeoutMs: 3_000 });
      await expect(call).rejects.toBeInstanceOf(BusError);
      await expect(call).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('rejects with TIMEOUT when the handler answers too late', async () => {
      const service = unique('slow');
      const release = gate();
      await c.bus().serve({ name: service, version: '1.0.0', operations: { wait: () => release.promise } });
      const started = Date.now();
      await expect(c.bus().request(service, 'wait', {}, { context, timeoutMs: 200 })).rejects.toMatchObject({
        name: 'BusError',
        code: 'TIMEOUT',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      release.open();
    });

    it('answers SERVICE_UNAVAILABLE without running the handler once the deadline has passed', async () => {
      const service = unique('late');
      let ran = false;
      await c.bus().serve({
        name: service,
        version: '1.0.0',
        operations: {
          work: async () => {
            ran = true;
          },
        },
      });
      const reply = await c
        .bus()
        .request(service, 'work', {}, { context: { requestId: 'r', deadline: Date.now() - 1 } });
      expect(reply).toMatchObject({ ok: false, error: { code: 'SERVICE_UNAVAILABLE' } });
      expect(ran).toBe(false);
    });

    it('answers health for every service, unless the service defines its own', async () => {
      const plain = unique('plain');
      const custom = unique('custom');
      await c.bus().serve({ name: plain, version: '2.1.0', operations: {} });
      await c.bus().serve({ name: custom, version: '1.0.0', operations: { health: async () => ({ db: 'up' }) } });
      expect(await c.bus().request(plain, 'health', undefined, { context })).toEqual({
        ok: true,
        data: { status: 'ok', service: plain, version: '2.1.0' },
      });
      expect(await c.bus().request(custom, 'health', undefined, { context })).toEqual({ ok: true, data: { db: 'up' } });
    });

    it('runs requests concurrently rather than one after another', async () => {
      const service = unique('pair');
      const both = gate();
      let arrived = 0;
      await c.bus().serve({
        name: service,
        version: '1.0.0',
        operations: {
          meet: async () => {
            arrived += 1;
            if (arrived === 2) both.open();
            await both.promise;
            return arrived;
          },
        },
      });
      const replies = await Promise.all([
        c.bus().request(service, 'meet', {}, { context, timeoutMs: 2_000 }),
        c.bus().request(service, 'meet', {}, { context, timeoutMs: 2_000 }),
      ]);
      expect(replies).toEqual([
        { ok: true, data: 2 },
        { ok: true, data: 2 },
      ]);
    });

    it('shares requests between two servers of one service, each answered once', async () => {
      const service = unique('shared');
      const other = await c.connect();
      const served: string[] = [];
      const serve = (label: string) => async () => {
        served.push(label);
        return label;
      };
      await c.bus().serve({ name: service, version: '1.0.0', operations: { who: serve('a') } });
      await other.serve({ name: service, version: '1.0.0', operations: { who: serve('b') } });
      await other.ping();
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => c.bus().request<string>(service, 'who', {}, { context })),
      );
      expect(served).toHaveLength(40);
      expect(replies.map((reply) => (reply.ok ? reply.data : 'error')).sort()).toEqual([...served].sort());
      expect(served.filter((label) => label === 'a').length).toBeGreaterThan(0);
      expect(served.filter((label) => label === 'b').length).toBeGreaterThan(0);
    });

    it('stops answering once the service is closed', async () => {
      const service = unique('closing');
      const served = await c.bus().serve({ name: service, version: '1.0.0', operations: { ping: async () => 'pong' } });
      expect(await c.bus().request(service, 'ping', {}, { context })).toEqual({ ok: true, data: 'pong' });
      await served.close();
      await sleep(20);
      await expect(c.bus().request(service, 'ping', {}, { context, timeoutMs: 1_000 })).rejects.toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
      });
    });

    it('refuses names that would not be a single subject token', async () => {
      await expect(c.bus().request('a.b', 'op', {}, { context })).rejects.toThrow(/Invalid service name/);
      await expect(
        c.bus().serve({ name: 'svc', version: '1.0.0', operations: { 'x.y': async () => 1 } }),
      ).rejects.toThrow(/Invalid operation name/);
    });
  });
}
