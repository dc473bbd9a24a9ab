/**
 * Field changes to the accounts read model, written in runs: the changes of a page that come one after
 * another (updates, token refreshes, status checks, provider failures) become one UPDATE, each
 * account's changes in the run folded into one row of it (later fields over earlier ones, the last
 * version and time). Under load a page holds many such changes, and a statement each was most of what
 * the projection cost.
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

/** A run of field changes, folded per account in the order they came. */
export class ChangeRun {
  private readonly byAccount = new Map<string, ColumnChange>();

  get size(): number {
    return this.byAccount.size;
  }

  add(change: ColumnChange): void {
    const key = `${change.ownerId}\u0000${change.accountId}`;
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
