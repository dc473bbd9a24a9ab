/**
 * How one change folds into a resource's stored copy, for a rebuild (rebuild.ts). Live recording does
 * the same in SQL, in one round trip (`record_change` in schema.ts); keep the two alike: the rebuild
 * tests compare a rebuilt log with the recorded one.
 */
import type { ResourceChange } from './change.js';

export interface StoredCopy {
  readonly version: number;
  /** Gone for clients (deleted, soft-deleted or purged); its data is kept for a restore. */
  readonly removed: boolean;
  readonly data: Record<string, unknown>;
}

export type Folded =
  /** Older than the stored copy: already reflected, nothing to record. */
  | { readonly kind: 'stale' }
  /** Skips a version: an earlier change has not been recorded yet. */
  | { readonly kind: 'gap'; readonly expected: number }
  | { readonly kind: 'applied'; readonly copy: StoredCopy; readonly appeared: boolean };

export function foldChange(
  stored: StoredCopy | undefined,
  change: Pick<ResourceChange, 'version' | 'kind' | 'fields'>,
  options: { readonly acceptGap?: boolean } = {},
): Folded {
  // Several events of one command share its version, so only a lower version is stale.
  if (stored && change.version < stored.version) return { kind: 'stale' };
  const expected = stored ? stored.version + 1 : 1;
  if (change.version > expected && !options.acceptGap) return { kind: 'gap', expected };
  const removed = change.kind === 'remove';
  const data = removed ? (stored?.data ?? {}) : { ...(stored?.data ?? {}), ...change.fields };
  return {
    kind: 'applied',
    copy: { version: change.version, removed, data },
    appeared: !removed && (stored === undefined || stored.removed),
  };
}
