/**
 * The tags read model (`accounts.tags`): each user's tags for listing, by name. Deleted tags leave it.
 * Versions come from the events, never `version + 1`, so replaying is harmless.
 */
import type { Tag } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import type { Projection } from '@cairn/shared/projections';
import type { Pool } from 'pg';
import { isoColumn, queryPage } from '../library/pages.js';
import { TAG_EVENT_TYPES, TAG_STREAM_PREFIX, type TagEvent } from './tag.js';

export const TAGS_PROJECTION = 'accounts-tags';

export const tagsProjection: Projection = {
  name: TAGS_PROJECTION,
  tables: {
    tags: (t, physical) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text NOT NULL,
      id text NOT NULL,
      name text NOT NULL,
      color text,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, id));
    CREATE INDEX IF NOT EXISTS ${physical}_by_name ON ${t} (owner_id, lower(name), created_at, id)`,
  },
  streamPrefixes: [TAG_STREAM_PREFIX],
  eventTypes: TAG_EVENT_TYPES,
  async handle(events, ctx) {
    const tags = ctx.table('tags');
    for (const recorded of events) {
      const e = recorded as RecordedEvent<TagEvent> as TagEvent;
      const d = e.data;
      switch (e.type) {
        case 'TagCreated':
          await ctx.client.query(
            `INSERT INTO ${tags} (owner_id, id, name, color, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (owner_id, id) DO NOTHING`,
            [d.ownerId, d.tagId, e.data.name, e.data.color, d.version, d.at],
          );
          break;
        case 'TagUpdated':
          await ctx.client.query(
            `UPDATE ${tags} SET name = $3, color = $4, version = $5, updated_at = $6 WHERE owner_id = $1 AND id = $2`,
            [d.ownerId, d.tagId, e.data.name, e.data.color, d.version, d.at],
          );
          break;
        case 'TagDeleted':
          await ctx.client.query(`DELETE FROM ${tags} WHERE owner_id = $1 AND id = $2`, [d.ownerId, d.tagId]);
          break;
        default: {
          const unknown: never = e;
          throw new Error(`unexpected tag event ${(unknown as TagEvent).type}`);
        }
      }
    }
  },
};

const TAG_JSON = `json_build_object('id', id, 'name', name, 'color', color, 'version', version,
  'createdAt', ${isoColumn('created_at')}, 'updatedAt', ${isoColumn('updated_at')}) AS item`;

export function queryTags(
  pool: Pool,
  table: string,
  query: { ownerId: string; page: number; pageSize: number },
): Promise<Page<Tag>> {
  return queryPage<Tag>(pool, {
    item: TAG_JSON,
    table,
    where: ['owner_id = $1'],
    values: [query.ownerId],
    orderBy: 'lower(name), created_at, id',
    page: query.page,
    pageSize: query.pageSize,
  });
}
