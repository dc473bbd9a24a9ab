/**
 * The sync tables. `user_logs` holds each user's change counter: incrementing it takes the row lock, so
 * a user's changes are numbered in commit order with no gaps, and a reader that sees change n has seen
 * every change before it. That is what makes the cursor exact.
 */
import { withTransaction } from '@cairn/shared/postgres';
import type { Pool } from 'pg';

export function syncTables(schema: string) {
  const t = (name: string) => `"${schema}"."${name}"`;
  return {
    userLogs: t('user_logs'),
    changes: t('changes'),
    resources: t('resources'),
    resourcesBase: t('resources_base'),
    handledEvents: t('handled_events'),
    secrets: t('secrets'),
  };
}

export type SyncTables = ReturnType<typeof syncTables>;

export async function migrateSyncTables(pool: Pool, schema: string): Promise<SyncTables> {
  const tables = syncTables(schema);
  await withTransaction(
    pool,
    async (client) => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.userLogs} (
        user_id text PRIMARY KEY,
        last_seq bigint NOT NULL DEFAULT 0,
        -- changes at or below this were compacted away: older cursors need a snapshot
        compacted_through bigint NOT NULL DEFAULT 0,
        -- server time of the last change; never goes backwards, even if the clock does
        last_time timestamptz NOT NULL DEFAULT '-infinity')`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.changes} (
        user_id text NOT NULL,
        seq bigint NOT NULL,
        resource text NOT NULL,
        resource_id text NOT NULL,
        version integer NOT NULL,
        kind text NOT NULL,
        data jsonb,
        appeared boolean NOT NULL,
        server_time timestamptz NOT NULL,
        -- the integration event it came from, so a rebuild can map it again (see rebuild.ts)
        source_subject text NOT NULL,
        source_data jsonb NOT NULL,
        PRIMARY KEY (user_id, seq))`);
      await client.query(`CREATE INDEX IF NOT EXISTS changes_by_time ON ${tables.changes} (user_id, server_time, seq)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.resources} (
        user_id text NOT NULL,
        resource text NOT NULL,
        resource_id text NOT NULL,
        version integer NOT NULL,
        removed boolean NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (user_id, resource, resource_id))`);
      // Each resource as it was at its last compacted change: where a rebuild starts folding from.
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.resourcesBase} (
        user_id text NOT NULL,
        resource text NOT NULL,
        resource_id text NOT NULL,
        version integer NOT NULL,
        removed boolean NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (user_id, resource, resource_id))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.secrets} (
        name text PRIMARY KEY,
        value bytea NOT NULL)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${tables.handledEvents} (
        event_id text PRIMARY KEY,
        handled_at timestamptz NOT NULL DEFAULT now())`);
    },
    { advisoryLock: `cairn.${schema}.tables` },
  );
  return tables;
}
