/**
 * createInfrastructure picks PostgreSQL and the bus from the environment; every branch against the real thing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';
import { createInfrastructure, redactUrl } from '../../src/runtime/infrastructure.js';
import { freePort } from '../../src/runtime/net.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { tempDataDir } from './support.js';

const logger = createLogger({ name: 'infrastructure-test', level: 'silent' });
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function natsUrl(): string {
  const url = process.env.NATS_URL;
  if (!url) throw new Error('NATS_URL must be set (vitest global setup provides it)');
  return url;
}

describe('createInfrastructure', () => {
  it('with DATABASE_URL and no NATS_URL: that server, the in-process bus, embedded mode', async () => {
    const infra = await createInfrastructure({ DATABASE_URL: db.url }, { logger });
    try {
      expect(infra.mode).toBe('embedded');
      expect(infra.database).toEqual({ kind: 'external', url: redactUrl(db.url) });
      expect(infra.busInfo).toEqual({ kind: 'memory' });
      expect(infra.describe()).toMatch(/^external PostgreSQL at .*; in-process bus$/);
      await infra.bus.ping();

      const store = infra.storeFor('infra_test');
      expect(infra.storeFor('infra_test')).toBe(store);
      await store.init();
      await store.appendToStream('thing-1', [{ type: 'ThingHappened', data: { n: 1 } }], {
        expectedVersion: 'no_stream',
      });
      const read = await store.readStream('thing-1');
      expect(read.events.map((e) => e.data)).toEqual([{ n: 1 }]);
      // The store lives in the schema it was bound to.
      const { rows } = await infra.pool.query(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'infra_test'",
      );
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await infra.close();
    }
    expect(infra.pool.ended).toBe(true);
  });

  it('with NATS_URL: the NATS bus, distributed mode', async () => {
    const infra = await createInfrastructure({ DATABASE_URL: db.url, NATS_URL: natsUrl() }, { logger, name: 'test' });
    try {
      expect(infra.mode).toBe('distributed');
      expect(infra.busInfo).toEqual({ kind: 'nats', url: redactUrl(natsUrl()) });
      expect(infra.describe()).toContain('NATS at nats://');
      await infra.bus.ping();
    } finally {
      await infra.close();
    }
  });

  it('refuses EVENTSTORE_URL with a clear message, before starting anything', async () => {
    await expect(
      createInfrastructure({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', EVENTSTORE_URL: 'kurrentdb://x' }),
    ).rejects.toThrow(/EVENTSTORE_URL is set, but the EventStoreDB\/KurrentDB adapter is not available in this build/);
  });

  it('reports an unreachable DATABASE_URL without its password', async () => {
    const port = await freePort();
    await expect(
      createInfrastructure({ DATABASE_URL: `postgres://cairn:s3cret@127.0.0.1:${port}/cairn` }, { logger }),
    ).rejects.toThrow(
      new RegExp(`cannot reach PostgreSQL at postgres://cairn:\\*\\*\\*@127\\.0\\.0\\.1:${port}/cairn`),
    );
  });

  it('without DATABASE_URL: embedded PostgreSQL in CAIRN_DATA_DIR, stopped by close()', async () => {
    const dir = await tempDataDir();
    const port = await freePort();
    try {
      const infra = await createInfrastructure(
        { CAIRN_DATA_DIR: dir.path, CAIRN_EMBEDDED_PG_PORT: String(port) },
        { logger },
      );
      let url: string;
      try {
        expect(infra.database).toMatchObject({ kind: 'embedded', port, initialised: true });
        expect(infra.describe()).toContain(
          `embedded PostgreSQL at ${dir.path}/postgres (127.0.0.1:${port}, new cluster)`,
        );
        const { rows } = await infra.pool.query('SELECT current_database() AS name');
        expect(rows[0].name).toBe('cairn');
        url = `postgres://postgres@127.0.0.1:${port}/cairn`;
      } finally {
        await infra.close();
      }
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
      await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await dir.remove();
    }
  });
});
