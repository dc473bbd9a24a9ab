/**
 * Changes to the accounts read model, written in sets of one statement each: field changes (updates,
 * token refreshes, status checks, provider failures), each account's folded into one row (later fields
 * over earlier ones, the last version and time), and deletions and restorations, which move the
 * owner's counts too. Under load a page holds many such changes, and a statement each was most of
 * what the projection cost.
 */
import type { ProjectionContext } from '@cairn/shared/projections';
import type { AccountEvent } from './account.js';

/** One account's new column values (only those that change), and its version and time after them. */
export interface ColumnChange {
  readonly ownerId: string;
  readonly accountId: string;
  readonly version: number;
  readonly at: string;
  readonly columns: Readonly<Record<string, unknown>>;
}

export type FieldChangeEvent = Extract<
  AccountEvent,
  { type: 'AccountUpdated' | 'AccountTokenRefreshed' | 'AccountStatusChecked' | 'AccountProviderFailed' }
>;

/** What the event changes in the account's row. */
export function columnChangeOf(event: FieldChangeEvent): ColumnChange {
  const row = (data: { ownerId: string; accountId: string; version: number; at: string }, columns: object) => ({
    ownerId: data.ownerId,
    accountId: data.accountId,
    version: data.version,
    at: data.at,
    columns: columns as Record<string, unknown>,
  });
  switch (event.type) {
    case 'AccountUpdated': {
      const d = event.data;
      const columns: Record<string, unknown> = {};
      if (d.email !== undefined) columns.email = d.email;
      if (d.nickname !== undefined) columns.nickname = d.nickname;
      if (d.provider !== undefined) columns.provider = d.provider;
      if (d.status !== undefined) {
        columns.status = d.status;
        columns.status_message = null;
      }
      if (d.groupId !== undefined) columns.group_id = d.groupId;
      if (d.tagIds !== undefined) columns.tag_ids = d.tagIds;
      if (d.usage !== undefined) columns.usage = d.usage;
      if (d.notes !== undefined) columns.notes = d.notes;
      if (d.credentials !== undefined) columns.has_credentials = d.credentials !== null;
      return row(d, columns);
    }
    case 'AccountTokenRefreshed':
      return row(event.data, {
        has_credentials: true,
        status: event.data.status,
        status_message: null,
        last_checked_at: event.data.at,
      });
    case 'AccountStatusChecked':
      return row(event.data, {
        usage: event.data.usage,
        status: event.data.status,
        status_message: null,
        last_checked_at: event.data.at,
      });
    case 'AccountProviderFailed':
      return row(event.data, {
        status: event.data.status,
        status_message: event.data.reason,
        last_checked_at: event.data.at,
      });
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** One key per account of an owner, for the sets below. */
export const rowKey = (ownerId: string, accountId: string): string => `${ownerId}\u0000${accountId}`;

/** A set of field changes, folded per account in the order they came. */
export class ChangeRun {
  private readonly byAccount = new Map<string, ColumnChange>();

  has(key: string): boolean {
    return this.byAccount.has(key);
  }

  add(change: ColumnChange): void {
    const key = rowKey(change.ownerId, change.accountId);
    const earlier = this.byAccount.get(key);
    this.byAccount.set(key, earlier ? { ...change, columns: { ...earlier.columns, ...change.columns } } : change);
  }

  /** Writes the run as one UPDATE and empties it. The version is the event's, never `version + 1`. */
  async write(table: string, ctx: ProjectionContext): Promise<void> {
    if (this.byAccount.size === 0) return;
    const rows = [...this.byAccount.values()].map((c) => ({
      owner_id: c.ownerId,
      id: c.accountId,
      version: c.version,
      at: c.at,
      columns: c.columns,
    }));
    this.byAccount.clear();
    const text = (column: string) =>
      `${column} = CASE WHEN c.columns ? '${column}' THEN c.columns->>'${column}' ELSE t.${column} END`;
    const json = (column: string) =>
      `${column} = CASE WHEN c.columns ? '${column}' THEN c.columns->'${column}' ELSE t.${column} END`;
    await ctx.client.query(
      `UPDATE ${table} AS t SET
         ${['email', 'nickname', 'provider', 'status', 'status_message', 'group_id', 'notes', 'last_checked_at']
           .map(text)
           .join(', ')},
         ${['tag_ids', 'usage'].map(json).join(', ')},
         has_credentials = CASE WHEN c.columns ? 'has_credentials' THEN (c.columns->>'has_credentials')::boolean
                                ELSE t.has_credentials END,
         version = c.version, updated_at = c.at
       FROM jsonb_to_recordset($1::jsonb) AS c(owner_id text, id text, version integer, at text, columns jsonb)
       WHERE t.owner_id = c.owner_id AND t.id = c.id`,
      [JSON.stringify(rows)],
    );
  }
}

export type MoveEvent = Extract<AccountEvent, { type: 'AccountDeleted' | 'AccountRestored' }>;

/**
 * A set of deletions and restorations, at most one per account (a second one for the same account must
 * wait for this set to be written). A row moves, and with it the owner's counts, only if it is not
 * where the event takes it already: a replayed event changes nothing.
 */
export class MoveRun {
  private readonly byAccount = new Map<string, MoveEvent>();

  has(key: string): boolean {
    return this.byAccount.has(key);
  }

  add(event: MoveEvent): void {
    this.byAccount.set(rowKey(event.data.ownerId, event.data.accountId), event);
  }

  async write(table: string, counts: string, ctx: ProjectionContext): Promise<void> {
    if (this.byAccount.size === 0) return;
    const rows = [...this.byAccount.values()].map(({ type, data }) => ({
      owner_id: data.ownerId,
      id: data.accountId,
      deleting: type === 'AccountDeleted',
      version: data.version,
      at: data.at,
    }));
    this.byAccount.clear();
    await ctx.client.query(
      `WITH moved AS (
         UPDATE ${table} AS t SET deleted_at = CASE WHEN r.deleting THEN r.at END, version = r.version,
           updated_at = r.at
         FROM jsonb_to_recordset($1::jsonb) AS r(owner_id text, id text, deleting boolean, version integer, at text)
         WHERE t.owner_id = r.owner_id AND t.id = r.id AND (t.deleted_at IS NULL) = r.deleting
         RETURNING t.owner_id, CASE WHEN r.deleting THEN -1 ELSE 1 END AS delta)
       UPDATE ${counts} AS c SET live = c.live + m.delta, deleted = c.deleted - m.delta
       FROM (SELECT owner_id, sum(delta)::integer AS delta FROM moved GROUP BY owner_id) AS m
       WHERE c.owner_id = m.owner_id`,
      [JSON.stringify(rows)],
    );
  }
}
