/**
 * The machine-ids read model: bindings (`accounts.machine_id_bindings`, one row per bound account) and
 * the history (`accounts.machine_id_history`, one row per bind, unbind or recorded use, never changed).
 * A bind's or unbind's history entry takes the event's id, so replaying cannot add it twice.
 */
import type { MachineIdBinding, MachineIdHistoryEntry } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import type { Projection, ProjectionContext } from '@cairn/shared/projections';
import type { Pool } from 'pg';
import { isoColumn, queryPage } from '../library/pages.js';
import { MACHINE_ID_EVENT_TYPES, MACHINE_ID_STREAM_PREFIX, type MachineIdEvent } from './binding.js';

export const MACHINE_IDS_PROJECTION = 'accounts-machine-ids';

export const machineIdsProjection: Projection = {
  name: MACHINE_IDS_PROJECTION,
  tables: {
    machine_id_bindings: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text NOT NULL,
      account_id text NOT NULL,
      machine_id text NOT NULL,
      version integer NOT NULL,
      bound_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, account_id))`,
    machine_id_history: (t, physical) => `CREATE TABLE IF NOT EXISTS ${t} (
      owner_id text NOT NULL,
      id text NOT NULL,
      account_id text NOT NULL,
      machine_id text NOT NULL,
      kind text NOT NULL,
      reason text,
      at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, id));
    CREATE INDEX IF NOT EXISTS ${physical}_latest ON ${t} (owner_id, at DESC, id DESC);
    CREATE INDEX IF NOT EXISTS ${physical}_of_account ON ${t} (owner_id, account_id, at DESC, id DESC)`,
  },
  streamPrefixes: [MACHINE_ID_STREAM_PREFIX],
  eventTypes: MACHINE_ID_EVENT_TYPES,
  async handle(events, ctx) {
    for (const recorded of events) await apply(recorded as RecordedEvent<MachineIdEvent>, ctx);
  },
};

async function apply(recorded: RecordedEvent<MachineIdEvent>, ctx: ProjectionContext): Promise<void> {
  const bindings = ctx.table('machine_id_bindings');
  const history = ctx.table('machine_id_history');
  const e = { type: recorded.type, data: recorded.data } as MachineIdEvent;
  const d = e.data;
  const addHistory = (id: string, kind: MachineIdHistoryEntry['kind'], at: string) =>
    ctx.client.query(
      `INSERT INTO ${history} (owner_id, id, account_id, machine_id, kind, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (owner_id, id) DO NOTHING`,
      [d.ownerId, id, d.accountId, d.machineId, kind, d.reason, at],
    );
  switch (e.type) {
    case 'MachineIdBound':
      await ctx.client.query(
        `INSERT INTO ${bindings} AS b (owner_id, account_id, machine_id, version, bound_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (owner_id, account_id) DO UPDATE SET machine_id = EXCLUDED.machine_id,
           version = EXCLUDED.version, bound_at = EXCLUDED.bound_at, updated_at = EXCLUDED.updated_at
         WHERE b.version < EXCLUDED.version`,
        [d.ownerId, d.accountId, d.machineId, e.data.version, d.at],
      );
      await addHistory(recorded.metadata.eventId, 'bound', d.at);
      return;
    case 'MachineIdUnbound':
      await ctx.client.query(`DELETE FROM ${bindings} WHERE owner_id = $1 AND account_id = $2 AND version < $3`, [
        d.ownerId,
        d.accountId,
        e.data.version,
      ]);
      await addHistory(recorded.metadata.eventId, 'unbound', d.at);
      return;
    case 'MachineIdRecorded':
      await addHistory(e.data.entryId, 'recorded', d.at);
      return;
    default: {
      const unknown: never = e;
      throw new Error(`unexpected machine id event ${(unknown as MachineIdEvent).type}`);
    }
  }
}

const BINDING_JSON = `json_build_object('accountId', account_id, 'machineId', machine_id, 'version', version,
  'boundAt', ${isoColumn('bound_at')}, 'updatedAt', ${isoColumn('updated_at')}) AS item`;

const ENTRY_JSON = `json_build_object('id', id, 'accountId', account_id, 'machineId', machine_id, 'kind', kind,
  'reason', reason, 'at', ${isoColumn('at')}) AS item`;

export interface MachineIdQuery {
  readonly ownerId: string;
  readonly accountId?: string | undefined;
  readonly page: number;
  readonly pageSize: number;
}

const conditions = (query: MachineIdQuery) => ({
  where: query.accountId === undefined ? ['owner_id = $1'] : ['owner_id = $1', 'account_id = $2'],
  values: query.accountId === undefined ? [query.ownerId] : [query.ownerId, query.accountId],
});

/** Bound accounts, oldest binding first. */
export function queryBindings(pool: Pool, table: string, query: MachineIdQuery): Promise<Page<MachineIdBinding>> {
  return queryPage<MachineIdBinding>(pool, {
    item: BINDING_JSON,
    table,
    ...conditions(query),
    orderBy: 'bound_at, account_id',
    page: query.page,
    pageSize: query.pageSize,
  });
}

/** History, newest first. */
export function queryHistory(pool: Pool, table: string, query: MachineIdQuery): Promise<Page<MachineIdHistoryEntry>> {
  return queryPage<MachineIdHistoryEntry>(pool, {
    item: ENTRY_JSON,
    table,
    ...conditions(query),
    orderBy: 'at DESC, id DESC',
    page: query.page,
    pageSize: query.pageSize,
  });
}
