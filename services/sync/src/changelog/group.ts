/**
 * A page of the change log as clients receive it: per resource, what was created, updated and deleted.
 * Several changes of one resource in a page collapse into its last: its state right after that change
 * (never a later one, so the next page cannot contradict this one), listed as `created` when the
 * client cannot have had it before the page (it appeared, or reappeared after a delete, in this page).
 */
import { type LoggedChange, SYNC_RESOURCES, type SyncResource } from './change.js';

export interface ResourceDelta {
  readonly created: Record<string, unknown>[];
  readonly updated: Record<string, unknown>[];
  readonly deleted: string[];
}

export type GroupedChanges = Record<SyncResource, ResourceDelta>;

export function groupChanges(changes: readonly LoggedChange[]): GroupedChanges {
  const grouped = Object.fromEntries(
    SYNC_RESOURCES.map((resource) => [resource, { created: [], updated: [], deleted: [] } as ResourceDelta]),
  ) as GroupedChanges;
  const last = new Map<string, { change: LoggedChange; appeared: boolean }>();
  for (const change of changes) {
    const key = `${change.resource}\u0000${change.id}`;
    const before = last.get(key);
    last.delete(key); // re-inserted below: the map keeps the order of each resource's last change
    last.set(key, { change, appeared: (before?.appeared ?? false) || change.appeared });
  }
  for (const { change, appeared } of last.values()) {
    const delta = grouped[change.resource];
    if (change.kind === 'remove') delta.deleted.push(change.id);
    else if (appeared) delta.created.push(change.data ?? {});
    else delta.updated.push(change.data ?? {});
  }
  return grouped;
}
