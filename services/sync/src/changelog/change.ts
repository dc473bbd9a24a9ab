/**
 * What the sync service keeps per user: the current copy of each synced resource, and an ordered log of
 * changes to them. Both are built from the accounts service's integration events (ingest/), one
 * `ResourceChange` per event that changes something a client syncs.
 */
export const SYNC_RESOURCES = ['accounts', 'groups', 'tags', 'settings', 'machineIds'] as const;
export type SyncResource = (typeof SYNC_RESOURCES)[number];

export interface ResourceChange {
  /** The integration event's id: an event seen twice (redelivery) changes nothing the second time. */
  readonly eventId: string;
  readonly userId: string;
  readonly resource: SyncResource;
  readonly id: string;
  /** The resource's version after the change; a change at or below the stored version is stale. */
  readonly version: number;
  /**
   * `put`: the resource exists after the change, with `fields` merged over its stored copy (a creation
   * brings every field, an update only the changed ones). `remove`: it is gone for clients (deleted,
   * soft-deleted or purged).
   */
  readonly kind: 'put' | 'remove';
  readonly fields: Readonly<Record<string, unknown>>;
  /** The integration event it came from, kept with the change so a rebuild can map it again. */
  readonly source: { readonly subject: string; readonly data: unknown };
}

/**
 * A logged change is a `put` or a `remove`, or a `noop`: a change that a rebuild found to change
 * nothing any more (its number stays taken, so cursors stay exact; readers step over it).
 */
export type LoggedKind = 'put' | 'remove' | 'noop';

/** One entry of a user's change log, as `changes` reads it. */
export interface LoggedChange {
  readonly seq: number;
  readonly resource: SyncResource;
  readonly id: string;
  readonly version: number;
  readonly kind: 'put' | 'remove';
  /** For a `put`: the resource as it was right after this change (so a page never shows a later state). */
  readonly data: Record<string, unknown> | null;
  /** The resource did not exist for clients before this change (a creation or a restore). */
  readonly appeared: boolean;
  readonly serverTime: number;
}
