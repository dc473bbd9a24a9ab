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
    recordChange: t('record_change'),
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
      await client.query(recordChangeFunction(schema, tables));
    },
    { advisoryLock: `cairn.${schema}.tables` },
  );
  return tables;
}

/**
 * Recording one change in one round trip (record.ts calls it; the consumer records thousands a
 * second). Under the user's log row lock: a handled event is a duplicate; an older version is stale;
 * a skipped version is a gap (nothing written, the caller retries later) unless accepted; otherwise the
 * fields merge over the stored copy (`||`, a shallow merge, as fold.ts does for a rebuild), the copy is
 * stored, and the change is logged under the next number with a time that never goes back.
 */
function recordChangeFunction(schema: string, tables: SyncTables): string {
  return `CREATE OR REPLACE FUNCTION "${schema}".record_change(
      p_event_id text, p_user_id text, p_resource text, p_resource_id text, p_version integer, p_kind text,
      p_fields jsonb, p_source_subject text, p_source_data jsonb, p_accept_gap boolean,
      OUT outcome text, OUT seq bigint, OUT expected integer)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_last bigint;
      v_stored ${tables.resources}%ROWTYPE;
      v_data jsonb;
      v_appeared boolean;
      v_found boolean;
    BEGIN
      INSERT INTO ${tables.userLogs} AS l (user_id) VALUES (p_user_id)
        ON CONFLICT (user_id) DO UPDATE SET last_seq = l.last_seq
        RETURNING l.last_seq INTO v_last;
      IF EXISTS (SELECT 1 FROM ${tables.handledEvents} WHERE event_id = p_event_id) THEN
        outcome := 'duplicate'; RETURN;
      END IF;
      SELECT * INTO v_stored FROM ${tables.resources}
        WHERE user_id = p_user_id AND resource = p_resource AND resource_id = p_resource_id;
      v_found := FOUND;
      IF v_found AND p_version < v_stored.version THEN
        INSERT INTO ${tables.handledEvents} (event_id) VALUES (p_event_id);
        outcome := 'stale'; RETURN;
      END IF;
      expected := CASE WHEN v_found THEN v_stored.version + 1 ELSE 1 END;
      IF p_version > expected AND NOT p_accept_gap THEN
        outcome := 'gap'; RETURN;
      END IF;
      v_data := CASE WHEN p_kind = 'remove' THEN coalesce(v_stored.data, '{}'::jsonb)
                     ELSE coalesce(v_stored.data, '{}'::jsonb) || p_fields END;
      v_appeared := p_kind <> 'remove' AND (NOT v_found OR v_stored.removed);
      INSERT INTO ${tables.handledEvents} (event_id) VALUES (p_event_id);
      INSERT INTO ${tables.resources} (user_id, resource, resource_id, version, removed, data)
        VALUES (p_user_id, p_resource, p_resource_id, p_version, p_kind = 'remove', v_data)
        ON CONFLICT (user_id, resource, resource_id)
        DO UPDATE SET version = EXCLUDED.version, removed = EXCLUDED.removed, data = EXCLUDED.data;
      seq := v_last + 1;
      WITH next AS (
        UPDATE ${tables.userLogs}
           SET last_seq = seq,
               last_time = GREATEST(last_time + interval '1 millisecond', date_trunc('milliseconds', clock_timestamp()))
         WHERE user_id = p_user_id RETURNING last_time)
      INSERT INTO ${tables.changes}
        (user_id, seq, resource, resource_id, version, kind, data, appeared, server_time, source_subject, source_data)
        SELECT p_user_id, seq, p_resource, p_resource_id, p_version, p_kind, v_data, v_appeared, next.last_time,
               p_source_subject, p_source_data
          FROM next;
      outcome := 'recorded';
    END
    $fn$`;
}
