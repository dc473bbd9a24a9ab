/** The organisations read model (`auth.orgs`). */
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Projection } from '@cairn/shared/projections';
import type { Queryable } from '../db.js';
import { ORG_EVENT_TYPES, ORG_STREAM_PREFIX, type OrgEvent } from './org.js';

export const ORGS_PROJECTION = 'auth-orgs';

export const orgsProjection: Projection = {
  name: ORGS_PROJECTION,
  tables: {
    orgs: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      id text PRIMARY KEY,
      name text NOT NULL,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL)`,
  },
  streamPrefixes: [ORG_STREAM_PREFIX],
  eventTypes: ORG_EVENT_TYPES,
  async handle(events, ctx) {
    const orgs = ctx.table('orgs');
    for (const recorded of events) {
      const e = recorded as RecordedEvent<OrgEvent> as OrgEvent;
      switch (e.type) {
        case 'OrgCreated':
          await ctx.client.query(
            `INSERT INTO ${orgs} (id, name, version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)
             ON CONFLICT (id) DO NOTHING`,
            [e.data.orgId, e.data.name, e.data.at],
          );
          break;
        default: {
          const unknown: never = e.type;
          throw new Error(`unexpected org event ${String(unknown)}`);
        }
      }
    }
  },
};

export interface OrgRow {
  id: string;
  name: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export async function queryOrgs(
  db: Queryable,
  table: string,
  query: { readonly onlyId?: string; readonly page: number; readonly pageSize: number },
): Promise<{ rows: OrgRow[]; total: number }> {
  const condition = query.onlyId !== undefined ? 'WHERE id = $1' : '';
  const filter = query.onlyId !== undefined ? [query.onlyId] : [];
  const total = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} ${condition}`, filter);
  const { rows } = await db.query<OrgRow>(
    `SELECT * FROM ${table} ${condition} ORDER BY created_at, id LIMIT $${filter.length + 1} OFFSET $${filter.length + 2}`,
    [...filter, query.pageSize, (query.page - 1) * query.pageSize],
  );
  return { rows, total: Number(total.rows[0]?.n ?? 0) };
}

export const orgRowToView = (row: OrgRow) => ({
  id: row.id,
  name: row.name,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});
