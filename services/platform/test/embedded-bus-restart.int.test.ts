/**
 * Embedded mode across a restart: auth's relay publishes its integration events into the in-process
 * bus, the process stops before a durable consumer (the coming sync service, say) has read them, and the
 * platform starts again on the same database. The consumer must then get every event exactly once, by
 * event id: none lost with the old process's memory, none acked before the restart delivered again.
 */
import { toIntegrationEvent } from '@cairn/auth';
import { type Closeable, HEADER_MSG_ID } from '@cairn/shared/bus';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { createLogger } from '@cairn/shared/logging';
import { EMBEDDED_BUS_SCHEMA } from '@cairn/shared/runtime';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../src/platform.js';

const logger = createLogger({ name: 'bus-restart-test', level: 'silent' });
const DURABLE = 'restart-sync';

describe('embedded mode: integration events survive a restart of the process', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let env: NodeJS.ProcessEnv;
  let platform: Platform | undefined;
  /** Event ids in the order the consumer received them, over both runs. */
  const received: string[] = [];
  const receivedAfterRestart: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool({ max: 2 });
    env = { DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', CAIRN_PASSWORD_HASH_COST: '10' };
  });
  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  const start = () => startPlatform({ env, logger, services: ['auth'] });

  const consume = (running: Platform, into: string[][]): Promise<Closeable> =>
    running.infrastructure.bus.consume({
      durable: DURABLE,
      filterSubjects: ['cairn.auth.>'],
      handler: async (message) => {
        for (const list of into) list.push(message.headers[HEADER_MSG_ID] ?? '(no id)');
      },
    });

  const register = async (running: Platform, username: string) => {
    const response = await fetch(`${running.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'correct horse battery' }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
  };

  /** Ids of every integration event auth's log calls for, read from the log itself. */
  const expectedIds = async (): Promise<string[]> => {
    const { rows } = await pool.query<{ stream_name: string; type: string; data: unknown; event_id: string }>(
      `SELECT stream_name, type, data, metadata->>'eventId' AS event_id FROM auth.events ORDER BY global_position`,
    );
    return rows
      .filter((row) =>
        toIntegrationEvent({ streamName: row.stream_name, type: row.type, data: row.data } as RecordedEvent),
      )
      .map((row) => row.event_id)
      .sort();
  };

  const storedInBus = async (): Promise<string[]> => {
    const { rows } = await pool.query<{ msg_id: string }>(`SELECT msg_id FROM ${EMBEDDED_BUS_SCHEMA}.messages`);
    return rows.map((row) => row.msg_id).sort();
  };

  it('delivers every event exactly once: read before, stored but unread at, and published after the restart', async () => {
    const first = await start();
    platform = first;
    const firstConsumer = await consume(first, [received]);
    await register(first, 'restart-ann');
    await expect.poll(async () => [...received].sort(), { timeout: 10_000 }).toEqual(await expectedIds());
    const readBeforeRestart = [...received];
    expect(readBeforeRestart.length).toBeGreaterThan(0);
    await firstConsumer.close();

    // Published by the relay (its checkpoint moved on) while nobody consumes: only the bus holds them now.
    await register(first, 'restart-bob');
    await expect.poll(storedInBus, { timeout: 10_000 }).toEqual(await expectedIds());
    const unreadAtRestart = (await expectedIds()).filter((id) => !readBeforeRestart.includes(id));
    expect(unreadAtRestart.length).toBeGreaterThan(0);
    await first.stop();
    platform = undefined;

    const second = await start();
    platform = second;
    await consume(second, [received, receivedAfterRestart]);
    await register(second, 'restart-cy');
    await expect.poll(async () => [...new Set(received)].sort(), { timeout: 10_000 }).toEqual(await expectedIds());
    // Time for a wrong redelivery to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect([...received].sort()).toEqual(await expectedIds());
    expect(receivedAfterRestart).toEqual(expect.arrayContaining(unreadAtRestart));
    for (const id of readBeforeRestart) expect(receivedAfterRestart).not.toContain(id);
  });
});
