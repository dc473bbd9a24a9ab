import { DomainError } from '@cairn/shared/http';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/bus/port.js';
import { canonicalJson, IdempotencyStore, requestFingerprint } from '../../src/idempotency/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

let db: TestDatabase;
let pool: Pool;
let store: IdempotencyStore;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  store = new IdempotencyStore({ pool, schema: 'idem', pendingWaitMs: 2_000, abandonedAfterMs: 500 });
  await store.init();
  await store.init(); // idempotent
});
afterAll(async () => {
  await db.drop();
});

let keyCounter = 0;
const context = (actorId?: string, key = `key-${++keyCounter}`): RequestContext => ({
  requestId: 'r',
  idempotencyKey: key,
  ...(actorId ? { actor: { kind: 'user', id: actorId } } : {}),
});

/** A handler that counts its runs and answers with the run number. */
function counting(delayMs = 0) {
  let runs = 0;
  const handler = async (payload: { n: number }) => {
    runs++;
    const run = runs;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return { run, echo: payload.n };
  };
  return { handler, runs: () => runs };
}

describe('canonical fingerprints', () => {
  it('ignores key order and undefined fields, and keys the HMAC', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(requestFingerprint({ a: 1, b: 2 })).toBe(requestFingerprint({ b: 2, a: 1 }));
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
    expect(requestFingerprint({ a: 1 }, Buffer.from('k1'))).not.toBe(requestFingerprint({ a: 1 }, Buffer.from('k2')));
  });
});

describe('IdempotencyStore.wrap', () => {
  it('without a key, every call runs', async () => {
    const { handler, runs } = counting();
    const wrapped = store.wrap('op', handler);
    await wrapped({ n: 1 }, { requestId: 'r' });
    await wrapped({ n: 1 }, { requestId: 'r' });
    expect(runs()).toBe(2);
  });

  it('a repeat with the same payload returns the first reply without running again', async () => {
    const { handler, runs } = counting();
    const wrapped = store.wrap('op', handler);
    const ctx = context('u1');
    const first = await wrapped({ n: 7 }, ctx);
    const second = await wrapped({ n: 7 }, ctx);
    expect(second).toEqual(first);
    expect(runs()).toBe(1);
  });

  it('a repeat with another payload is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const wrapped = store.wrap('op', counting().handler);
    const ctx = context('u1');
    await wrapped({ n: 1 }, ctx);
    await expect(wrapped({ n: 2 }, ctx)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('keys are scoped by actor and operation', async () => {
    const { handler, runs } = counting();
    const key = 'shared-key';
    await store.wrap('op-a', handler)({ n: 1 }, context('u1', key));
    await store.wrap('op-a', handler)({ n: 1 }, context('u2', key));
    await store.wrap('op-b', handler)({ n: 1 }, context('u1', key));
    await store.wrap('op-a', handler)({ n: 1 }, context(undefined, key));
    expect(runs()).toBe(4);
  });

  it('stores a domain error and replays it', async () => {
    let runs = 0;
    const wrapped = store.wrap('fails', async () => {
      runs++;
      throw new DomainError('CONFLICT', 'taken', { field: 'username' });
    });
    const ctx = context('u1');
    await expect(wrapped({}, ctx)).rejects.toMatchObject({ code: 'CONFLICT', details: { field: 'username' } });
    const replayed = await wrapped({}, ctx).catch((e: unknown) => e);
    expect(replayed).toBeInstanceOf(DomainError);
    expect(replayed).toMatchObject({ code: 'CONFLICT', message: 'taken', details: { field: 'username' } });
    expect(runs).toBe(1);
  });

  it('an unexpected failure is not stored: the retry runs again', async () => {
    let runs = 0;
    const wrapped = store.wrap('crashes', async () => {
      runs++;
      if (runs === 1) throw new Error('database went away');
      return 'ok';
    });
    const ctx = context('u1');
    await expect(wrapped({}, ctx)).rejects.toThrow('database went away');
    await expect(wrapped({}, ctx)).resolves.toBe('ok');
    expect(runs).toBe(2);
  });

  it('concurrent repeats run the handler once and all get its reply', async () => {
    const { handler, runs } = counting(150);
    const wrapped = store.wrap('slow', handler);
    const ctx = context('u1');
    const replies = await Promise.all(Array.from({ length: 8 }, () => wrapped({ n: 3 }, ctx)));
    expect(runs()).toBe(1);
    for (const reply of replies) expect(reply).toEqual({ run: 1, echo: 3 });
  });

  it('a repeat that outwaits a still-running first call gets 409 CONFLICT', async () => {
    const impatient = new IdempotencyStore({ pool, schema: 'idem', pendingWaitMs: 50 });
    const { handler } = counting(400);
    const ctx = context('u1');
    const first = impatient.wrap('slower', handler)({ n: 1 }, ctx);
    await new Promise((r) => setTimeout(r, 50));
    await expect(impatient.wrap('slower', handler)({ n: 1 }, ctx)).rejects.toMatchObject({ code: 'CONFLICT' });
    await first;
  });

  it('a pending row of a caller that died is taken over after it is abandoned', async () => {
    const ctx = context('u9');
    await pool.query(
      `INSERT INTO idem.idempotency_keys (actor_id, operation, idempotency_key, request_hash, status, updated_at)
       VALUES ('u9', 'orphan', $1, $2, 'pending', now() - interval '1 second')`,
      [ctx.idempotencyKey, requestFingerprint({ n: 5 })],
    );
    const { handler, runs } = counting();
    await expect(store.wrap('orphan', handler)({ n: 5 }, ctx)).resolves.toEqual({ run: 1, echo: 5 });
    expect(runs()).toBe(1);
  });

  it('expired rows are purged and no longer replayed', async () => {
    const { handler, runs } = counting();
    const ctx = context('u1');
    await store.wrap('expiring', handler)({ n: 1 }, ctx);
    await pool.query(
      `UPDATE idem.idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = $1`,
      [ctx.idempotencyKey],
    );
    // Even before a purge, an expired row is not honoured.
    await store.wrap('expiring', handler)({ n: 2 }, ctx);
    expect(runs()).toBe(2);
    await pool.query(`UPDATE idem.idempotency_keys SET created_at = now() - interval '25 hours'`);
    expect(await store.purgeExpired()).toBeGreaterThan(0);
    const left = await pool.query('SELECT count(*)::int AS n FROM idem.idempotency_keys');
    expect(left.rows[0].n).toBe(0);
  });
});
