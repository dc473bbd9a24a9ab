/**
 * A push as commands to the accounts service. Groups and tags go first (accounts may name them), then
 * accounts (one `batchAccounts` call: the accounts service runs the items side by side and waits for
 * its read model once), then settings. Read-only fields a client echoes back (createdAt, updatedAt…)
 * are dropped by the accounts service's schemas, which keep only what they know.
 */
import type { SyncPushRequest } from '@cairn/shared/contracts';

export type PushedResource = 'groups' | 'tags' | 'accounts' | 'settings';
export const PUSH_ORDER: readonly PushedResource[] = ['groups', 'tags', 'accounts', 'settings'];

export type PushedItem = Record<string, unknown>;
export type PushedDelete = string | { readonly id: string; readonly version: number };

/** One RPC to the accounts service for one pushed item (groups, tags, settings). */
export interface ItemCall {
  readonly id: string;
  readonly kind: 'write' | 'delete';
  readonly operation: string;
  readonly payload: Record<string, unknown>;
}

export const idOf = (item: PushedItem, field = 'id'): string => {
  const id = item[field];
  return typeof id === 'string' ? id : '';
};

const deleteTarget = (target: PushedDelete) =>
  typeof target === 'string' ? { id: target } : { id: target.id, version: target.version };

const LABEL_OPERATIONS = {
  groups: { create: 'createGroup', update: 'updateGroup', delete: 'deleteGroup' },
  tags: { create: 'createTag', update: 'updateTag', delete: 'deleteTag' },
} as const;

/** Group and tag items as single calls, creations, then updates, then deletes. */
export function labelCalls(resource: 'groups' | 'tags', delta: SyncPushRequest['changes']['groups']): ItemCall[] {
  if (!delta) return [];
  const ops = LABEL_OPERATIONS[resource];
  return [
    ...delta.created.map((item) => ({ id: idOf(item), kind: 'write' as const, operation: ops.create, payload: item })),
    ...delta.updated.map((item) => ({ id: idOf(item), kind: 'write' as const, operation: ops.update, payload: item })),
    ...delta.deleted.map((target) => {
      const payload = deleteTarget(target);
      return { id: payload.id, kind: 'delete' as const, operation: ops.delete, payload };
    }),
  ];
}

/** Settings are keyed by `key`; creating and updating are both `putSetting` (with a version to update). */
export function settingCalls(delta: SyncPushRequest['changes']['settings']): ItemCall[] {
  if (!delta) return [];
  return [...delta.created, ...delta.updated].map((item) => ({
    id: idOf(item, 'key'),
    kind: 'write' as const,
    operation: 'putSetting',
    payload: item,
  }));
}

/** Settings cannot be deleted through the API; a pushed delete is an error item, not silently dropped. */
export const settingDeletes = (delta: SyncPushRequest['changes']['settings']): string[] =>
  (delta?.deleted ?? []).map((target) => deleteTarget(target).id);

/** Account items as one batch: creations, updates (as patches: only what the client sent changes), deletes. */
export function accountBatch(delta: SyncPushRequest['changes']['accounts']): {
  ids: string[];
  kinds: ('write' | 'delete')[];
  operations: Record<string, unknown>[];
} {
  const ids: string[] = [];
  const kinds: ('write' | 'delete')[] = [];
  const operations: Record<string, unknown>[] = [];
  if (!delta) return { ids, kinds, operations };
  for (const item of delta.created) {
    ids.push(idOf(item));
    kinds.push('write');
    operations.push({ action: 'create', ...(idOf(item) ? { id: idOf(item) } : {}), data: item });
  }
  for (const item of delta.updated) {
    const { id, version, ...data } = item;
    ids.push(idOf(item));
    kinds.push('write');
    operations.push({ action: 'patch', id, version, data });
  }
  for (const target of delta.deleted) {
    const payload = deleteTarget(target);
    ids.push(payload.id);
    kinds.push('delete');
    operations.push({ action: 'delete', ...payload });
  }
  return { ids, kinds, operations };
}

export function countItems(changes: SyncPushRequest['changes']): number {
  let total = 0;
  for (const delta of Object.values(changes)) {
    if (delta) total += delta.created.length + delta.updated.length + delta.deleted.length;
  }
  return total;
}
