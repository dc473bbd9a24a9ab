/**
 * The accounts read model (`accounts.accounts`), for listing, filtering and searching a user's
 * accounts, and for finding the accounts a deleted group or tag must be cleared from. It holds no
 * credentials, only whether there are some. GET by id does not read it (see handlers: the cache).
 */
import { createHash } from 'node:crypto';
import type { Account, AccountStatus } from '@cairn/shared/contracts';
import { type Projection, type ProjectionContext, storedJsonTrigger } from '@cairn/shared/projections';
import type { Pool, PoolClient } from 'pg';
import { ACCOUNT_EVENT_TYPES, ACCOUNT_STREAM_PREFIX, type AccountEvent } from './account.js';
import { ChangeRun, columnChangeOf, MoveRun, rowKey } from './readModelChanges.js';

export const ACCOUNTS_PROJECTION = 'accounts-accounts';
export const ACCOUNTS_TABLE = 'accounts';
/** How many accounts each owner has, live and soft-deleted: the total of an unfiltered list, read in O(1). */
export const ACCOUNT_COUNTS_TABLE = 'account_counts';

/**
 * Each account as one JSON value in the contract's shape, stored with the row (storedJsonTrigger): a
 * page of a list is 50 stored values joined into one array, one row for the client to parse. Times are
 * stored as the ISO strings the events carry (`Date.prototype.toISOString`), which also sort as times do.
 */
const LIST_ITEM = `json_build_object('id', NEW.id, 'email', NEW.email, 'nickname', NEW.nickname,
  'provider', NEW.provider, 'status', NEW.status, 'statusMessage', NEW.status_message, 'groupId', NEW.group_id,
  'tagIds', NEW.tag_ids, 'usage', NEW.usage, 'notes', NEW.notes, 'hasCredentials', NEW.has_credentials,
  'lastCheckedAt', NEW.last_checked_at, 'version', NEW.version, 'createdAt', NEW.created_at,
  'updatedAt', NEW.updated_at, 'deletedAt', NEW.deleted_at)`;

export const accountsProjection: Projection = {
  name: ACCOUNTS_PROJECTION,
  tables: {
    [ACCOUNTS_TABLE]: (t, physical) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text NOT NULL,
      id text NOT NULL,
      email text NOT NULL,
      nickname text NOT NULL,
      provider text NOT NULL,
      status text NOT NULL,
      status_message text,
      group_id text,
      tag_ids jsonb NOT NULL DEFAULT '[]',
      usage jsonb NOT NULL,
      notes text NOT NULL,
      has_credentials boolean NOT NULL,
      last_checked_at text,
      version integer NOT NULL,
      created_at text NOT NULL,
      updated_at text NOT NULL,
      deleted_at text,
      -- the row as a list shows it (LIST_ITEM), kept by a trigger
      item json NOT NULL,
      PRIMARY KEY (owner_id, id));
    ${storedJsonTrigger(t, physical, ACCOUNTS_TABLE, 'item', LIST_ITEM)};
    CREATE INDEX IF NOT EXISTS ${physical}_by_owner ON ${t} (owner_id, created_at, id);
    CREATE INDEX IF NOT EXISTS ${physical}_live_by_owner ON ${t} (owner_id, created_at, id) WHERE deleted_at IS NULL;
    CREATE INDEX IF NOT EXISTS ${physical}_by_group ON ${t} (owner_id, group_id) WHERE group_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${physical}_by_tag ON ${t} USING gin (tag_ids jsonb_path_ops)`,
    [ACCOUNT_COUNTS_TABLE]: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text PRIMARY KEY,
      live integer NOT NULL DEFAULT 0,
      deleted integer NOT NULL DEFAULT 0)`,
  },
  streamPrefixes: [ACCOUNT_STREAM_PREFIX],
  eventTypes: ACCOUNT_EVENT_TYPES,
  async handle(events, ctx) {
    // Writes go out in sets of one statement each: creations, field changes, deletions and
    // restorations. An event whose account already waits in a set it cannot join has everything
    // pending written first, so each account's events apply in order; different accounts' rows are
    // independent, and the counts they move add up the same in any order.
    const created = new Map<string, CreatedEvent>();
    const changed = new ChangeRun();
    const moved = new MoveRun();
    const table = ctx.table(ACCOUNTS_TABLE);
    const counts = ctx.table(ACCOUNT_COUNTS_TABLE);
    const flush = async () => {
      if (created.size > 0) await insertAccounts([...created.values()], ctx);
      created.clear();
      await changed.write(table, ctx);
      await moved.write(table, counts, ctx);
    };
    for (const recorded of events) {
      const event = { type: recorded.type, data: recorded.data } as AccountEvent;
      const key = rowKey(event.data.ownerId, event.data.accountId);
      const pending = created.has(key) || moved.has(key);
      switch (event.type) {
        case 'AccountCreated':
          if (pending || changed.has(key)) await flush();
          created.set(key, event);
          break;
        case 'AccountDeleted':
        case 'AccountRestored':
          if (pending || changed.has(key)) await flush();
          moved.add(event);
          break;
        case 'AccountPurged':
          await flush();
          await purgeAccount(event, table, counts, ctx);
          break;
        default:
          // Field changes of one account fold together; they wait only for its creation or move.
          if (pending) await flush();
          changed.add(columnChangeOf(event));
      }
    }
    await flush();
  },
};

type CreatedEvent = Extract<AccountEvent, { type: 'AccountCreated' }>;

async function insertAccounts(created: readonly CreatedEvent[], ctx: ProjectionContext): Promise<void> {
  const rows = created.map(({ data: d }) => ({
    owner_id: d.ownerId,
    id: d.accountId,
    email: d.email,
    nickname: d.nickname,
    provider: d.provider,
    status: d.status,
    group_id: d.groupId,
    tag_ids: d.tagIds,
    usage: d.usage,
    notes: d.notes,
    has_credentials: d.credentials !== null,
    at: d.at,
  }));
  const counts = ctx.table(ACCOUNT_COUNTS_TABLE);
  await ctx.client.query(
    `WITH inserted AS (
       INSERT INTO ${ctx.table(ACCOUNTS_TABLE)} (owner_id, id, email, nickname, provider, status, group_id, tag_ids,
         usage, notes, has_credentials, version, created_at, updated_at)
       SELECT owner_id, id, email, nickname, provider, status, group_id, tag_ids, usage, notes, has_credentials, 1, at, at
       FROM jsonb_to_recordset($1::jsonb) AS r(owner_id text, id text, email text, nickname text, provider text,
         status text, group_id text, tag_ids jsonb, usage jsonb, notes text, has_credentials boolean, at text)
       ON CONFLICT (owner_id, id) DO NOTHING
       RETURNING owner_id)
     INSERT INTO ${counts} AS c (owner_id, live) SELECT owner_id, count(*) FROM inserted GROUP BY owner_id
     ON CONFLICT (owner_id) DO UPDATE SET live = c.live + EXCLUDED.live`,
    [JSON.stringify(rows)],
  );
}

/** A purge removes the row; the owner's count of what the row was goes down. */
async function purgeAccount(
  e: Extract<AccountEvent, { type: 'AccountPurged' }>,
  table: string,
  counts: string,
  ctx: ProjectionContext,
): Promise<void> {
  await ctx.client.query(
    `WITH gone AS (DELETE FROM ${table} WHERE owner_id = $1 AND id = $2 RETURNING owner_id, deleted_at IS NULL AS live)
     UPDATE ${counts} c SET live = c.live - CASE WHEN gone.live THEN 1 ELSE 0 END,
       deleted = c.deleted - CASE WHEN gone.live THEN 0 ELSE 1 END
     FROM gone WHERE c.owner_id = gone.owner_id`,
    [e.data.ownerId, e.data.accountId],
  );
}

export interface AccountQuery {
  readonly ownerId: string;
  readonly status?: AccountStatus | undefined;
  readonly groupId?: string | undefined;
  readonly tagId?: string | undefined;
  readonly q?: string | undefined;
  readonly includeDeleted: boolean;
  readonly page: number;
  readonly pageSize: number;
}

/** A listed account: the contract's `Account` without credentials. */
export type AccountRow = Omit<Account, 'credentials'>;

const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Named (prepared) statements, one per table and set of filters: PostgreSQL plans them once per
 * connection. The text depends only on which filters are set, so there are few.
 */
const statements = new Map<string, { readonly name: string; readonly text: string }>();
function statementFor(table: string, condition: string, total: string, limit: number) {
  const key = `${table} ${condition} ${total}`;
  let found = statements.get(key);
  if (found === undefined) {
    found = {
      name: `accounts_list_${createHash('sha1').update(key).digest('hex').slice(0, 16)}`,
      text: `SELECT ${total} AS total,
        (SELECT coalesce(json_agg(item), '[]') FROM (SELECT item FROM ${table} WHERE ${condition}
           ORDER BY created_at, id LIMIT $${limit} OFFSET $${limit + 1}) AS page) AS items`,
    };
    statements.set(key, found);
  }
  return found;
}

export interface AccountTables {
  readonly accounts: string;
  readonly counts: string;
}

/**
 * A page and the total in one round trip. Without filters the total is the owner's count (kept by the
 * projection), not a count of every matching row: a user's whole list costs what its page costs.
 */
export async function queryAccounts(
  db: Pool | PoolClient,
  tables: AccountTables,
  query: AccountQuery,
): Promise<{ rows: AccountRow[]; total: number }> {
  const values: unknown[] = [query.ownerId];
  const where = ['owner_id = $1'];
  const filter = (sql: (n: number) => string, value: unknown) => {
    values.push(value);
    where.push(sql(values.length));
  };
  if (!query.includeDeleted) where.push('deleted_at IS NULL');
  if (query.status !== undefined) filter((n) => `status = $${n}`, query.status);
  if (query.groupId !== undefined) filter((n) => `group_id = $${n}`, query.groupId);
  if (query.tagId !== undefined) filter((n) => `tag_ids @> jsonb_build_array($${n}::text)`, query.tagId);
  if (query.q !== undefined && query.q.trim() !== '') {
    filter(
      (n) => `(lower(email) LIKE $${n} OR lower(nickname) LIKE $${n} OR lower(notes) LIKE $${n})`,
      likePattern(query.q.trim()),
    );
  }
  const condition = where.join(' AND ');
  const total =
    values.length > 1
      ? `(SELECT count(*) FROM ${tables.accounts} WHERE ${condition})`
      : `coalesce((SELECT ${query.includeDeleted ? 'live + deleted' : 'live'} FROM ${tables.counts} WHERE owner_id = $1), 0)`;
  const statement = statementFor(tables.accounts, condition, total, values.length + 1);
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const { rows } = await db.query<{ total: string; items: AccountRow[] }>({ ...statement, values });
  return { rows: rows[0]!.items, total: Number(rows[0]!.total) };
}

/** The owner's accounts (deleted ones too) that are in the group, or carry the tag. */
export async function accountsReferencing(
  db: Pool | PoolClient,
  table: string,
  ownerId: string,
  reference: { readonly groupId: string } | { readonly tagId: string },
): Promise<string[]> {
  const { rows } =
    'groupId' in reference
      ? await db.query<{ id: string }>(`SELECT id FROM ${table} WHERE owner_id = $1 AND group_id = $2`, [
          ownerId,
          reference.groupId,
        ])
      : await db.query<{ id: string }>(
          `SELECT id FROM ${table} WHERE owner_id = $1 AND tag_ids @> jsonb_build_array($2::text)`,
          [ownerId, reference.tagId],
        );
  return rows.map((row) => row.id);
}
