/**
 * Groups (CONTRACT.md "Accounts v2"): list, create, replace, delete, batch reorder, all scoped to the
 * calling user. Names are claimed before a group takes them (library/names) and given back when it
 * lets them go. Every write answers only once the groups read model shows it.
 */
import type { RequestContext } from '@cairn/shared/bus';
import { type Group, groupOrderChangeSchema, type reorderGroupsResultSchema } from '@cairn/shared/contracts';
import type { CommandResult } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import type { z } from 'zod';
import { versionConflict } from '../library/conflicts.js';
import { runItems } from '../library/item-results.js';
import { type NameHolders, releaseName, withNameClaimed } from '../library/names/claims.js';
import { nameKey } from '../library/names/name-claim.js';
import { ownerOf } from '../library/owner.js';
import { readState } from '../library/streams.js';
import { type AccountsRuntime, execute, isoAt } from '../runtime.js';
import { decideGroup, type GroupCommand, groupDecider, groupNotFound } from './decide.js';
import { type ExistingGroup, type GroupEvent, type GroupState, groupStream, toGroupView } from './group.js';
import { GROUPS_PROJECTION, nextGroupOrder, queryGroups } from './readModel.js';

const groupsTable = (rt: AccountsRuntime): string => rt.readModels.table(GROUPS_PROJECTION, 'groups');

export const readGroup = (rt: AccountsRuntime, ownerId: string, groupId: string): Promise<GroupState> =>
  readState(rt.store, groupStream(ownerId, groupId), groupDecider);

/** Whether a group holds a name, read from its own stream (for taking over stale claims). */
const groupNames = (rt: AccountsRuntime): NameHolders => ({
  kind: 'group',
  async standingOf(ownerId, holderId, key) {
    const group = await readGroup(rt, ownerId, holderId);
    if (group.kind === 'deleted') return 'deleted';
    return group.kind === 'existing' && nameKey(group.name) === key ? 'holds' : 'elsewhere';
  },
});

export async function listGroups(
  rt: AccountsRuntime,
  input: { page: number; pageSize: number },
  context: RequestContext,
): Promise<Page<Group>> {
  return queryGroups(rt.pool, groupsTable(rt), { ownerId: ownerOf(context), ...input });
}

export async function createGroup(
  rt: AccountsRuntime,
  input: { id?: string | undefined; name: string; color?: string | null | undefined; order?: number | undefined },
  context: RequestContext,
): Promise<Group> {
  const ownerId = ownerOf(context);
  const groupId = input.id ?? rt.newId();
  const now = rt.now();
  const command: GroupCommand = {
    type: 'CreateGroup',
    ownerId,
    groupId,
    name: input.name,
    color: input.color ?? null,
    order: input.order ?? (await nextGroupOrder(rt.pool, groupsTable(rt), ownerId)),
    now: isoAt(now),
  };
  // A taken id is refused before the name is claimed, so the answer is about the id.
  decideGroup(command, await readGroup(rt, ownerId, groupId));
  const result = await withNameClaimed(rt, groupNames(rt), ownerId, input.name, groupId, context, () =>
    execute(rt, groupStream(ownerId, groupId), groupDecider, command, context, now),
  );
  return settle(rt, result);
}

export async function updateGroup(
  rt: AccountsRuntime,
  input: { id: string; version: number; name: string; color?: string | null | undefined; order?: number | undefined },
  context: RequestContext,
): Promise<Group> {
  const ownerId = ownerOf(context);
  const current = await currentGroup(rt, ownerId, input.id, input.version);
  const now = rt.now();
  const write = () =>
    execute(
      rt,
      groupStream(ownerId, input.id),
      groupDecider,
      {
        type: 'UpdateGroup',
        expectedVersion: input.version,
        name: input.name,
        color: input.color ?? null,
        order: input.order,
        now: isoAt(now),
      },
      context,
      now,
    );
  const renamed = nameKey(input.name) !== nameKey(current.name);
  const result = renamed
    ? await withNameClaimed(rt, groupNames(rt), ownerId, input.name, input.id, context, write)
    : await write();
  if (renamed) await releaseName(rt, 'group', ownerId, current.name, input.id, context);
  return settle(rt, result);
}

/** Deletes the group (its accounts lose it; see the accounts slice) and gives its name back. */
export async function deleteGroup(
  rt: AccountsRuntime,
  input: { id: string; version: number },
  context: RequestContext,
): Promise<Group> {
  const ownerId = ownerOf(context);
  const current = await currentGroup(rt, ownerId, input.id, input.version);
  const now = rt.now();
  const result = await execute(
    rt,
    groupStream(ownerId, input.id),
    groupDecider,
    { type: 'DeleteGroup', expectedVersion: input.version, now: isoAt(now) },
    context,
    now,
  );
  await releaseName(rt, 'group', ownerId, current.name, input.id, context);
  await rt.readModels.waitFor(GROUPS_PROJECTION, result.append?.position);
  // The answer is the group as it was, at the version its deletion gave it.
  const deleted = result.newEvents[0]!.data;
  return toGroupView({ ...current, version: deleted.version, updatedAt: deleted.at });
}

type GroupOrderChange = z.output<typeof groupOrderChangeSchema>;

/** Each move stands alone: versioned moves are checked, unversioned ones apply to whatever version. */
export async function reorderGroups(
  rt: AccountsRuntime,
  input: { orders: Record<string, unknown>[] },
  context: RequestContext,
): Promise<z.output<typeof reorderGroupsResultSchema>> {
  const ownerId = ownerOf(context);
  const { results, summary, lastPosition } = await runItems({
    items: input.orders,
    schema: groupOrderChangeSchema,
    lane: (move: GroupOrderChange) => move.id,
    logger: rt.logger,
    run: async (move) => {
      const now = rt.now();
      const result = await execute(
        rt,
        groupStream(ownerId, move.id),
        groupDecider,
        { type: 'ReorderGroup', expectedVersion: move.version, order: move.order, now: isoAt(now) },
        context,
        now,
      );
      return { data: toGroupView(result.state as ExistingGroup), position: result.append?.position };
    },
  });
  await rt.readModels.waitFor(GROUPS_PROJECTION, lastPosition);
  return { results, summary };
}

/** The group at the caller's version, checked before any name is claimed for it. */
async function currentGroup(
  rt: AccountsRuntime,
  ownerId: string,
  groupId: string,
  version: number,
): Promise<ExistingGroup> {
  const group = await readGroup(rt, ownerId, groupId);
  if (group.kind !== 'existing') throw groupNotFound();
  if (group.version !== version) throw versionConflict('group', group.version, toGroupView(group));
  return group;
}

async function settle(rt: AccountsRuntime, result: CommandResult<GroupState, GroupEvent>): Promise<Group> {
  await rt.readModels.waitFor(GROUPS_PROJECTION, result.append?.position);
  return toGroupView(result.state as ExistingGroup);
}
