/**
 * The groups read model (`accounts.groups`): each user's groups for listing, in their order. Deleted
 * groups leave it. Versions come from the events, never `version + 1`, so replaying is harmless.
 */
import type { Group } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import type { Projection } from '@cairn/shared/projections';
import type { Pool } from 'pg';
import { isoColumn, queryPage } from '../library/pages.js';
import { GROUP_EVENT_TYPES, GROUP_STREAM_PREFIX, type GroupEvent } from './group.js';

export const GROUPS_PROJECTION = 'accounts-groups';

export const groupsProjection: Projection = {
  name: GROUPS_PROJECTION,
  tables: {
    groups: (t, physical) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text NOT NULL,
      id text NOT NULL,
      name text NOT NULL,
      color text,
      sort_order integer NOT NULL,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, id));
    CREATE INDEX IF NOT EXISTS ${physical}_in_order ON ${t} (owner_id, sort_order, created_at, id)`,
  },
  streamPrefixes: [GROUP_STREAM_PREFIX],
  eventTypes: GROUP_EVENT_TYPES,
  async handle(events, ctx) {
    const groups = ctx.table('groups');
    for (const recorded of events) {
      const e = recorded as RecordedEvent<GroupEvent> as GroupEvent;
      const d = e.data;
      switch (e.type) {
        case 'GroupCreated':
          await ctx.client.query(
            `INSERT INTO ${groups} (owner_id, id, name, color, sort_order, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (owner_id, id) DO NOTHING`,
            [d.ownerId, d.groupId, e.data.name, e.data.color, e.data.order, d.version, d.at],
          );
          break;
        case 'GroupUpdated':
          await ctx.client.query(
            `UPDATE ${groups} SET name = $3, color = $4, sort_order = $5, version = $6, updated_at = $7
             WHERE owner_id = $1 AND id = $2`,
            [d.ownerId, d.groupId, e.data.name, e.data.color, e.data.order, d.version, d.at],
          );
          break;
        case 'GroupReordered':
          await ctx.client.query(
            `UPDATE ${groups} SET sort_order = $3, version = $4, updated_at = $5 WHERE owner_id = $1 AND id = $2`,
            [d.ownerId, d.groupId, e.data.order, d.version, d.at],
          );
          break;
        case 'GroupDeleted':
          await ctx.client.query(`DELETE FROM ${groups} WHERE owner_id = $1 AND id = $2`, [d.ownerId, d.groupId]);
          break;
        default: {
          const unknown: never = e;
          throw new Error(`unexpected group event ${(unknown as GroupEvent).type}`);
        }
      }
    }
  },
};

const GROUP_JSON = `json_build_object('id', id, 'name', name, 'color', color, 'order', sort_order,
  'version', version, 'createdAt', ${isoColumn('created_at')}, 'updatedAt', ${isoColumn('updated_at')}) AS item`;

export function queryGroups(
  pool: Pool,
  table: string,
  query: { ownerId: string; page: number; pageSize: number },
): Promise<Page<Group>> {
  return queryPage<Group>(pool, {
    item: GROUP_JSON,
    table,
    where: ['owner_id = $1'],
    values: [query.ownerId],
    orderBy: 'sort_order, created_at, id',
    page: query.page,
    pageSize: query.pageSize,
  });
}

/** Where a group created without an order goes: after the user's last one. */
export async function nextGroupOrder(pool: Pool, table: string, ownerId: string): Promise<number> {
  const { rows } = await pool.query<{ next: number }>(
    `SELECT coalesce(max(sort_order) + 1, 0)::integer AS next FROM ${table} WHERE owner_id = $1`,
    [ownerId],
  );
  return Math.min(rows[0]?.next ?? 0, 1_000_000_000);
}
