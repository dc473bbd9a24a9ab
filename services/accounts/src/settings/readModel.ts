/**
 * The settings read model (`accounts.settings`): every key of each user, for `GET /settings`. Single
 * keys are read from their streams. Versions come from the events, so replaying is harmless.
 */
import type { Setting } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import type { Projection } from '@cairn/shared/projections';
import type { Pool } from 'pg';
import { isoColumn, queryPage } from '../library/pages.js';
import { SETTING_EVENT_TYPES, SETTING_STREAM_PREFIX, type SettingEvent } from './setting.js';

export const SETTINGS_PROJECTION = 'accounts-settings';

export const settingsProjection: Projection = {
  name: SETTINGS_PROJECTION,
  tables: {
    settings: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text NOT NULL,
      key text NOT NULL,
      value jsonb NOT NULL,
      version integer NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, key))`,
  },
  streamPrefixes: [SETTING_STREAM_PREFIX],
  eventTypes: SETTING_EVENT_TYPES,
  async handle(events, ctx) {
    const settings = ctx.table('settings');
    for (const recorded of events) {
      const e = recorded as RecordedEvent<SettingEvent> as SettingEvent;
      const d = e.data;
      // Created and updated alike: the row holds the latest value; an older event never wins.
      await ctx.client.query(
        `INSERT INTO ${settings} AS s (owner_id, key, value, version, created_at, updated_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $5)
         ON CONFLICT (owner_id, key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version,
           updated_at = EXCLUDED.updated_at
         WHERE s.version < EXCLUDED.version`,
        [d.ownerId, d.key, JSON.stringify(d.value), d.version, d.at],
      );
    }
  },
};

const SETTING_JSON = `json_build_object('key', key, 'value', value, 'version', version,
  'createdAt', ${isoColumn('created_at')}, 'updatedAt', ${isoColumn('updated_at')}) AS item`;

export function querySettings(
  pool: Pool,
  table: string,
  query: { ownerId: string; page: number; pageSize: number },
): Promise<Page<Setting>> {
  return queryPage<Setting>(pool, {
    item: SETTING_JSON,
    table,
    where: ['owner_id = $1'],
    values: [query.ownerId],
    orderBy: 'key COLLATE "C"',
    page: query.page,
    pageSize: query.pageSize,
  });
}
