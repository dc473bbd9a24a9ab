/** The roles read model (`auth.roles`): listing with a status filter. Deleted roles leave it. */
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Projection } from '@cairn/shared/projections';
import type { Queryable } from '../db.js';
import { ROLE_EVENT_TYPES, ROLE_STREAM_PREFIX, type RoleEvent, type RoleStatus } from './role.js';

export const ROLES_PROJECTION = 'auth-roles';

export const rolesProjection: Projection = {
  name: ROLES_PROJECTION,
  tables: {
    roles: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      id text PRIMARY KEY,
      name text NOT NULL,
      permissions jsonb NOT NULL,
      status text NOT NULL,
      org_id text,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL)`,
  },
  streamPrefixes: [ROLE_STREAM_PREFIX],
  eventTypes: ROLE_EVENT_TYPES,
  async handle(events, ctx) {
    const roles = ctx.table('roles');
    for (const recorded of events) {
      const id = recorded.streamName.slice(ROLE_STREAM_PREFIX.length);
      const e = recorded as RecordedEvent<RoleEvent> as RoleEvent;
      switch (e.type) {
        case 'RoleCreated':
          await ctx.client.query(
            `INSERT INTO ${roles} (id, name, permissions, status, org_id, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6, $6) ON CONFLICT (id) DO NOTHING`,
            [id, e.data.name, JSON.stringify(e.data.permissions), e.data.status, e.data.orgId, e.data.at],
          );
          break;
        case 'RoleUpdated':
          await ctx.client.query(
            `UPDATE ${roles} SET name = $2, permissions = $3, status = $4, version = version + 1, updated_at = $5 WHERE id = $1`,
            [id, e.data.name, JSON.stringify(e.data.permissions), e.data.status, e.data.at],
          );
          break;
        case 'RoleDeleted':
          await ctx.client.query(`DELETE FROM ${roles} WHERE id = $1`, [id]);
          break;
        default: {
          const unknown: never = e;
          throw new Error(`unexpected role event ${(unknown as RoleEvent).type}`);
        }
      }
    }
  },
};

export interface RoleRow {
  id: string;
  name: string;
  permissions: string[];
  status: RoleStatus;
  org_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface RoleQuery {
  readonly status?: RoleStatus;
  /** Only global roles and those of this org (undefined: every role). */
  readonly visibleToOrg?: string;
  readonly page: number;
  readonly pageSize: number;
}

export async function queryRoles(
  db: Queryable,
  table: string,
  query: RoleQuery,
): Promise<{ rows: RoleRow[]; total: number }> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (query.status !== undefined) {
    values.push(query.status);
    where.push(`status = $${values.length}`);
  }
  if (query.visibleToOrg !== undefined) {
    values.push(query.visibleToOrg);
    where.push(`(org_id IS NULL OR org_id = $${values.length})`);
  }
  const condition = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} ${condition}`, values);
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const { rows } = await db.query<RoleRow>(
    `SELECT * FROM ${table} ${condition} ORDER BY created_at, id LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return { rows, total: Number(total.rows[0]?.n ?? 0) };
}

export const roleRowToView = (row: RoleRow) => ({
  id: row.id,
  name: row.name,
  permissions: row.permissions,
  status: row.status,
  orgId: row.org_id,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});
