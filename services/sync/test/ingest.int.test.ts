/**
 * The sync service fed by integration events as the accounts service's relay publishes them (CloudEvents
 * on the durable bus), asked over the bus as the gateway asks: changes become exact, per-user change
 * logs; redeliveries and out-of-order arrivals change nothing twice and lose nothing; clients are told.
 * The accounts service is not running here: its events are published directly, in its contract's shape.
 */
import { randomUUID } from 'node:crypto';
import { type Bus, createMemoryBus } from '@cairn/shared/bus';
import { PostgresEventStore } from '@cairn/shared/eventstore';
import { createLogger } from '@cairn/shared/logging';
import type { RunningService } from '@cairn/shared/runtime';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactChanges } from '../src/changelog/compaction.js';
import { rebuildChangeLog } from '../src/changelog/rebuild.js';
import { syncTables } from '../src/changelog/schema.js';
import { startSyncService } from '../src/service.js';

const logger = createLogger({ name: 'sync-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let db: TestDatabase;
let bus: Bus;
let sync: RunningService;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  bus = createMemoryBus({ logger });
  pool = db.pool({ max: 8 });
  sync = await startSyncService({
    pool,
    store: new PostgresEventStore(pool, 'sync_unused'),
    bus,
    logger,
    env: { CAIRN_SYNC_NOTIFY_DEBOUNCE_MS: '5' },
  });
});
afterAll(async () => {
  await sync?.stop();
  await bus?.close();
  await db?.drop();
});

const encoder = new TextEncoder();
const at = () => new Date().toISOString();

async function publish(subject: string, data: Record<string, unknown>, eventId = randomUUID()) {
  const event = {
    specversion: '1.0',
    id: eventId,
    source: 'cairn/accounts',
    type: subject,
    subject: 'x',
    time: at(),
    datacontenttype: 'application/json',
    data,
  };
  // A fresh msgId each time: the bus's own dedup is not what is under test.
  await bus.publishDurable(subject, encoder.encode(JSON.stringify(event)), { msgId: randomUUID() });
  return eventId;
}

function accountCreated(ownerId: string, accountId: string, email: string) {
  return publish('cairn.accounts.account.created.v1', {
    ownerId,
    accountId,
    email,
    nickname: '',
    provider: 'kiro',
    status: 'active',
    groupId: null,
    tagIds: [],
    usage: { used: 0, limit: null },
    notes: '',
    hasCredentials: false,
    version: 1,
    occurredAt: at(),
  });
}

const accountUpdated = (ownerId: string, accountId: string, version: number, changes: Record<string, unknown>) =>
  publish('cairn.accounts.account.updated.v1', {
    ownerId,
    accountId,
    changes,
    credentialsChanged: false,
    version,
    occurredAt: at(),
  });

async function ask<T = any>(userId: string, operation: string, payload: unknown = {}): Promise<T> {
  const reply = await bus.request<T>('sync', operation, payload, {
    context: { requestId: randomUUID(), actor: { kind: 'user', id: userId } },
  });
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), reply.error);
  return reply.data;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('sync fed by the accounts service’s events', () => {
  it('shows a created, updated and deleted account as changes after a snapshot’s cursor', async () => {
    const user = randomUUID();
    const start = await ask(user, 'snapshot');
    expect(start.accounts).toEqual([]);
    await accountCreated(user, 'a1', 'a1@example.com');
    await accountCreated(user, 'a2', 'a2@example.com');
    await accountUpdated(user, 'a1', 2, { email: 'new@example.com' });
    await publish('cairn.accounts.account.deleted.v1', {
      ownerId: user,
      accountId: 'a2',
      version: 2,
      occurredAt: at(),
    });
    const page = await eventually(
      () => ask(user, 'changes', { cursor: start.cursor }),
      (p) => p.accounts.deleted.length === 1,
    );
    expect(page.accounts.created).toEqual([
      expect.objectContaining({ id: 'a1', email: 'new@example.com', version: 2 }),
    ]);
    expect(page.accounts.deleted).toEqual(['a2']);
    expect(page.hasMore).toBe(false);
    const after = await ask(user, 'snapshot');
    expect(after.accounts).toEqual([expect.objectContaining({ id: 'a1', email: 'new@example.com', version: 2 })]);
    expect(after.cursor).toBe(page.cursor);
  });

  it('records a redelivered event once', async () => {
    const user = randomUUID();
    await accountCreated(user, 'a1', 'once@example.com');
    const eventId = await accountUpdated(user, 'a1', 2, { nickname: 'first' });
    await publish(
      'cairn.accounts.account.updated.v1',
      {
        ownerId: user,
        accountId: 'a1',
        changes: { nickname: 'first' },
        credentialsChanged: false,
        version: 2,
        occurredAt: at(),
      },
      eventId,
    );
    await accountUpdated(user, 'a1', 3, { notes: 'last' });
    const page = await eventually(
      () => ask(user, 'changes', {}),
      (p) => p.accounts.created[0]?.version === 3,
    );
    expect(page.accounts.created).toEqual([expect.objectContaining({ nickname: 'first', notes: 'last', version: 3 })]);
    const cursor = Buffer.from(page.cursor, 'base64url').toString();
    expect(cursor).toBe('c1.3');
  });

  it('waits for a change that was overtaken, so no field is lost', async () => {
    const user = randomUUID();
    await accountCreated(user, 'a1', 'order@example.com');
    await eventually(
      () => ask(user, 'snapshot'),
      (s) => s.accounts.length === 1,
    );
    await accountUpdated(user, 'a1', 3, { notes: 'third' });
    await accountUpdated(user, 'a1', 2, { email: 'second@example.com' });
    const snapshot = await eventually(
      () => ask(user, 'snapshot'),
      (s) => s.accounts[0]?.version === 3,
    );
    expect(snapshot.accounts[0]).toMatchObject({ email: 'second@example.com', notes: 'third', version: 3 });
  });

  it('never shows one user another’s changes', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    await accountCreated(alice, 'shared-id', 'alice@example.com');
    await accountCreated(bob, 'shared-id', 'bob@example.com');
    const bobs = await eventually(
      () => ask(bob, 'snapshot'),
      (s) => s.accounts.length === 1,
    );
    expect(bobs.accounts).toEqual([expect.objectContaining({ email: 'bob@example.com' })]);
    const changes = await ask(bob, 'changes', {});
    expect(JSON.stringify(changes)).not.toContain('alice@example.com');
  });

  it('tells the user’s connected clients, with a cursor that includes the change', async () => {
    const user = randomUUID();
    const received: Array<{ type: string; cursor: string }> = [];
    const subscription = bus.subscribe(`cairn.notify.user.${user}`, (n) => {
      received.push(JSON.parse(new TextDecoder().decode(n.data)));
    });
    try {
      await accountCreated(user, 'a1', 'notify@example.com');
      await eventually(
        async () => received.length,
        (n) => n > 0,
      );
      expect(received[0]?.type).toBe('sync');
      const page = await ask(user, 'changes', {});
      expect(received.at(-1)?.cursor).toBe(page.cursor);
    } finally {
      await subscription.close();
    }
  });

  it('answers 400 for a malformed cursor and 409 SNAPSHOT_REQUIRED for one it cannot serve', async () => {
    const user = randomUUID();
    await expect(ask(user, 'changes', { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    const future = Buffer.from('c1.99').toString('base64url');
    await expect(ask(user, 'changes', { cursor: future })).rejects.toMatchObject({ code: 'SNAPSHOT_REQUIRED' });
  });
});

describe('rebuilding the change log', () => {
  const tables = syncTables('sync');

  it('restores damaged copies and pages from the logged events, keeping every number and cursor', async () => {
    const user = randomUUID();
    await accountCreated(user, 'r1', 'r1@example.com');
    await accountCreated(user, 'r2', 'r2@example.com');
    await accountUpdated(user, 'r1', 2, { nickname: 'first' });
    await eventually(
      () => ask(user, 'snapshot'),
      (s) => s.accounts.find((a: any) => a.id === 'r1')?.version === 2,
    );
    // Older changes compacted away: the rebuild starts from their base.
    await compactChanges(pool, tables, 0);
    await accountUpdated(user, 'r1', 3, { notes: 'third' });
    await publish('cairn.accounts.account.deleted.v1', {
      ownerId: user,
      accountId: 'r2',
      version: 2,
      occurredAt: at(),
    });
    const before = await eventually(
      () => ask(user, 'snapshot'),
      (s) => s.accounts.length === 1 && s.accounts[0].version === 3,
    );
    const page = await ask(user, 'changes', { cursor: Buffer.from('c1.3').toString('base64url') });

    await pool.query(`UPDATE ${tables.changes} SET data = '{"broken": true}' WHERE user_id = $1`, [user]);
    await pool.query(`UPDATE ${tables.resources} SET data = '{}' WHERE user_id = $1`, [user]);
    const result = await rebuildChangeLog(pool, tables, logger);
    expect(result.rewritten).toBeGreaterThanOrEqual(2);

    expect(await ask(user, 'snapshot')).toEqual(before);
    expect(await ask(user, 'changes', { cursor: Buffer.from('c1.3').toString('base64url') })).toEqual(page);
    // Recording goes on after the rebuild, with the next number.
    await accountUpdated(user, 'r1', 4, { nickname: 'after' });
    const next = await eventually(
      () => ask(user, 'changes', { cursor: before.cursor }),
      (p) => p.accounts.updated.length > 0,
    );
    expect(next.accounts.updated).toEqual([
      expect.objectContaining({ id: 'r1', nickname: 'after', notes: 'third', version: 4 }),
    ]);
    expect(Buffer.from(next.cursor, 'base64url').toString()).toBe('c1.6');
  });

  it('keeps a change that no longer maps as a step the cursor passes over', async () => {
    const user = randomUUID();
    await accountCreated(user, 'n1', 'n1@example.com');
    await accountCreated(user, 'n2', 'n2@example.com');
    await eventually(
      () => ask(user, 'snapshot'),
      (s) => s.accounts.length === 2,
    );
    await pool.query(
      `UPDATE ${tables.changes} SET source_subject = 'cairn.accounts.account.unknown.v1' WHERE user_id = $1 AND seq = 2`,
      [user],
    );
    await rebuildChangeLog(pool, tables, logger);
    const page = await ask(user, 'changes', {});
    expect(page.accounts.created.map((a: any) => a.id)).toEqual(['n1']);
    expect(Buffer.from(page.cursor, 'base64url').toString()).toBe('c1.2');
    expect((await ask(user, 'snapshot')).accounts.map((a: any) => a.id)).toEqual(['n1']);
  });
});
