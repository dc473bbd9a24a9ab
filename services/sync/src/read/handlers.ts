/**
 * `snapshot` and `changes`: the calling user's state and the changes after a cursor, as clients see
 * them. Users only ever read their own log (the actor decides whose).
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { syncChangesRequestSchema, syncChangesSchema, syncSnapshotSchema } from '@cairn/shared/contracts';
import { unauthorized } from '@cairn/shared/http';
import type { z } from 'zod';
import { SYNC_RESOURCES } from '../changelog/change.js';
import { decodeCursor, encodeCursor } from '../changelog/cursor.js';
import { groupChanges } from '../changelog/group.js';
import { type ChangesFrom, readChanges, readSnapshot } from '../changelog/read.js';
import type { SyncRuntime } from '../runtime.js';

export function callerId(context: RequestContext): string {
  if (context.actor?.kind !== 'user') throw unauthorized();
  return context.actor.id;
}

export async function snapshot(rt: SyncRuntime, context: RequestContext): Promise<z.input<typeof syncSnapshotSchema>> {
  const state = await readSnapshot(rt.pool, rt.tables, callerId(context));
  const of = (resource: (typeof SYNC_RESOURCES)[number]) => state.resources.get(resource) ?? [];
  return {
    accounts: of('accounts'),
    groups: of('groups'),
    tags: of('tags'),
    settings: of('settings'),
    machineIds: of('machineIds'),
    cursor: encodeCursor(state.lastSeq),
    serverTime: state.serverTime,
  };
}

export async function changes(
  rt: SyncRuntime,
  input: z.output<typeof syncChangesRequestSchema>,
  context: RequestContext,
): Promise<z.input<typeof syncChangesSchema>> {
  const userId = callerId(context);
  const from: ChangesFrom =
    input.cursor !== undefined
      ? { afterSeq: decodeCursor(input.cursor) }
      : input.lastSyncTime !== undefined
        ? { afterTime: input.lastSyncTime }
        : { afterSeq: 0 };
  const page = await readChanges(rt.pool, rt.tables, userId, from, input.limit, input.resources ?? SYNC_RESOURCES);
  return {
    ...groupChanges(page.changes),
    cursor: encodeCursor(page.lastSeq),
    serverTime: page.serverTime,
    hasMore: page.hasMore,
  };
}
