/**
 * The users read model (`auth.users`): what listing and searching need. Password hashes stay out of
 * it; logins read the user's own stream.
 */
import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { type Projection, type ProjectionContext, storedJsonTrigger } from '@cairn/shared/projections';
import type { Queryable } from '../db.js';
import { USER_EVENT_TYPES, USER_STREAM_PREFIX, type UserChange, type UserEvent } from './user.js';

export const USERS_PROJECTION = 'auth-users';

/** `timestamptz` as `2030-01-01T00:00:00.000Z` (milliseconds truncated, as a JavaScript Date would). */
const isoUtc = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Each row as one JSON value in the contract's shape, stored with the row (storedJsonTrigger). The
 * client's cost of a result grows with its columns (a parser and a property per column per query): two
 * columns instead of twelve save more there than the JSON costs, and it is built once per write.
 */
const LIST_ITEM = `json_build_object('id', NEW.id, 'username', NEW.username, 'displayName', NEW.display_name,
  'userType', NEW.user_type, 'orgId', NEW.org_id, 'roleIds', NEW.role_ids, 'status', NEW.status,
  'version', NEW.version, 'createdAt', ${isoUtc('NEW.created_at')}, 'updatedAt', ${isoUtc('NEW.updated_at')})`;

export const usersProjection: Projection = {
  name: USERS_PROJECTION,
  tables: {
    users: (t, physical) => `CREATE TABLE IF NOT EXISTS ${t} (
      id text PRIMARY KEY,
      username text NOT NULL,
      username_key text NOT NULL,
      display_name text NOT NULL,
      user_type text NOT NULL,
      org_id text,
      role_ids jsonb NOT NULL DEFAULT '[]',
      status text NOT NULL,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      -- the row as a list shows it (LIST_ITEM), kept by a trigger
      item json NOT NULL);
    ${storedJsonTrigger(t, physical, 'users', 'item', LIST_ITEM)};
    CREATE INDEX IF NOT EXISTS ${physical}_by_org ON ${t} (org_id, created_at, id);
    CREATE INDEX IF NOT EXISTS ${physical}_by_created ON ${t} (created_at, id)`,
  },
  streamPrefixes: [USER_STREAM_PREFIX],
  eventTypes: USER_EVENT_TYPES,
  async handle(events, ctx) {
    for (const event of events) await applyUserEvent(event as RecordedEvent<UserEvent>, ctx);
  },
};

async function applyUserEvent(event: RecordedEvent<UserEvent>, ctx: ProjectionContext): Promise<void> {
  const users = ctx.table('users');
  const id = event.streamName.slice(USER_STREAM_PREFIX.length);
  // The version comes from the event, never `version + 1`: one update records several events that all
  // carry the same resulting version, and replaying an event sets it again rather than counting twice.
  const change = (data: UserChange, assignments: string, values: unknown[]) =>
    ctx.client.query(
      `UPDATE ${users} SET ${assignments ? `${assignments}, ` : ''}version = $3, updated_at = $2 WHERE id = $1`,
      [id, data.at, data.version, ...values],
    );
  const e = event as UserEvent;
  switch (e.type) {
    case 'UserRegistered':
    case 'UserCreated': {
      const d = e.data;
      const userType = e.type === 'UserCreated' ? e.data.userType : 'customer';
      const orgId = e.type === 'UserCreated' ? e.data.orgId : null;
      const roleIds = e.type === 'UserCreated' ? e.data.roleIds : [];
      await ctx.client.query(
        `INSERT INTO ${users} (id, username, username_key, display_name, user_type, org_id, role_ids, status, version, created_at, updated_at)
         VALUES ($1, $2, lower($2), $3, $4, $5, $6, 'active', 1, $7, $7) ON CONFLICT (id) DO NOTHING`,
        [d.userId, d.username, d.displayName, userType, orgId, JSON.stringify(roleIds), d.at],
      );
      return;
    }
    case 'UserProfileUpdated':
      await change(e.data, 'display_name = $4, user_type = $5', [e.data.displayName, e.data.userType]);
      return;
    case 'UserPasswordChanged':
      // Not in the table, but it is a change: the version and updatedAt still move.
      await change(e.data, '', []);
      return;
    case 'UserRolesAssigned':
      await change(e.data, 'role_ids = $4', [JSON.stringify(e.data.roleIds)]);
      return;
    case 'UserOrgChanged':
      await change(e.data, 'org_id = $4', [e.data.orgId]);
      return;
    case 'UserDisabled':
      await change(e.data, `status = 'disabled'`, []);
      return;
    case 'UserEnabled':
      await change(e.data, `status = 'active'`, []);
      return;
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

/** A listed user as the read model gives it: the contract's `User` but for `permissions` (roles decide those). */
export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  userType: 'customer' | 'support' | 'admin';
  orgId: string | null;
  roleIds: string[];
  status: 'active' | 'disabled';
  version: number;
  /** ISO 8601 in UTC, exactly `Date.prototype.toISOString`'s form. */
  createdAt: string;
  updatedAt: string;
}

export interface UserQuery {
  readonly orgId?: string;
  readonly q?: string;
  readonly status?: 'active' | 'disabled';
  readonly page: number;
  readonly pageSize: number;
}

const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface Statements {
  /** A page, each row carrying the total (a window count). */
  readonly page: { readonly name: string; readonly text: string };
  /** The total alone, for a page past the last (no row to carry it). */
  readonly count: { readonly name: string; readonly text: string };
}

/**
 * The listing runs as named (prepared) statements: PostgreSQL parses and plans them once per connection
 * instead of on every call, which made a small page more than twice as dear to the server. The text
 * depends only on the table and which filters are set, so there are few; they are kept by that key.
 */
const statements = new Map<string, Statements>();
function statementsFor(table: string, condition: string, limit: number): Statements {
  const key = `${table} ${condition}`;
  let found = statements.get(key);
  if (found === undefined) {
    const name = `auth_users_${createHash('sha1').update(key).digest('hex').slice(0, 16)}`;
    found = {
      page: {
        name: `${name}_page`,
        text: `SELECT item AS u, count(*) OVER () AS total FROM ${table} ${condition}
               ORDER BY created_at, id LIMIT $${limit} OFFSET $${limit + 1}`,
      },
      count: { name: `${name}_count`, text: `SELECT count(*) AS n FROM ${table} ${condition}` },
    };
    statements.set(key, found);
  }
  return found;
}

/**
 * A page and the total in one round trip: the window count rides on every row of the page (the matching
 * rows are read for the count anyway). Only past the last page is the total counted separately.
 */
export async function queryUsers(
  db: Queryable,
  table: string,
  query: UserQuery,
): Promise<{ rows: UserRow[]; total: number }> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (query.orgId !== undefined) {
    values.push(query.orgId);
    where.push(`org_id = $${values.length}`);
  }
  if (query.status !== undefined) {
    values.push(query.status);
    where.push(`status = $${values.length}`);
  }
  if (query.q !== undefined && query.q.trim() !== '') {
    values.push(likePattern(query.q.trim()));
    where.push(`(username_key LIKE $${values.length} OR lower(display_name) LIKE $${values.length})`);
  }
  const condition = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const { page, count } = statementsFor(table, condition, values.length + 1);
  const filters = values.length;
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const { rows } = await db.query<{ u: UserRow; total: string }>({ ...page, values });
  let total = rows[0] ? Number(rows[0].total) : 0;
  if (rows.length === 0 && query.page > 1) {
    const counted = await db.query<{ n: string }>({ ...count, values: values.slice(0, filters) });
    total = Number(counted.rows[0]?.n ?? 0);
  }
  return { rows: rows.map((row) => row.u), total };
}
