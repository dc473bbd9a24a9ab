/**
 * The shared lock connection: one processor per name across processes (pools) and within one process,
 * one connection for all the locks of a pool, given back when the last lock goes, and every lease lost
 * when that connection dies.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryAcquireSharedLease } from '../../src/projections/lock-session.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Advisory locks of this test's database only: other test files run beside it on the same server. */
const HERE = `locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

const lockConnections = async (pool: pg.Pool) => {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(DISTINCT pid) AS n FROM pg_locks WHERE ${HERE}`);
  return Number(rows[0]?.n);
};

describe('shared processor leases', () => {
  it('lets one holder per name run, in this process and in another', async () => {
    const here = db.pool();
    const elsewhere = db.pool();
    const first = await tryAcquireSharedLease(here, 'cairn.processor', 'p.one');
    expect(first?.held).toBe(true);
    expect(await tryAcquireSharedLease(here, 'cairn.processor', 'p.one')).toBeUndefined();
    expect(await tryAcquireSharedLease(elsewhere, 'cairn.processor', 'p.one')).toBeUndefined();
    await first?.release();
    const second = await tryAcquireSharedLease(elsewhere, 'cairn.processor', 'p.one');
    expect(second?.held).toBe(true);
    await second?.release();
  });

  it('holds every lock of a pool on one connection and gives it back after the last release', async () => {
    const pool = db.pool();
    const leases = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) => tryAcquireSharedLease(pool, 'cairn.processor', `p.${name}`)),
    );
    expect(leases.every((lease) => lease?.held)).toBe(true);
    expect(await lockConnections(pool)).toBe(1);
    for (const lease of leases) await lease?.release();
    expect(await lockConnections(pool)).toBe(0);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('loses every lease when the lock connection dies, and another instance can take over', async () => {
    const pool = db.pool();
    const admin = db.pool();
    const lease = await tryAcquireSharedLease(pool, 'cairn.processor', 'p.dies');
    expect(lease?.held).toBe(true);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE ${HERE} AND pid <> pg_backend_pid()`);
    expect(await lease?.check()).toBe(false);
    expect(lease?.held).toBe(false);
    const standby = await tryAcquireSharedLease(db.pool(), 'cairn.processor', 'p.dies');
    expect(standby?.held).toBe(true);
    await lease?.release();
    await standby?.release();
  });
});
