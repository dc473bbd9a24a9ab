/**
 * Reactions of accounts to other events (run checkpointed, one live instance, never rebuilt):
 *
 * - `GroupDeleted`: the owner's accounts in that group leave it (groupId → null);
 * - `TagDeleted`: the tag is removed from the owner's accounts that carry it;
 * - `AccountPurged`: the account's data keys made up to the purge are shredded (the purge handler does
 *   it first; this covers a key a racing write made meanwhile, and a crash between the two).
 *
 * Each affected account gets its own command, a normal versioned change with its own event. The
 * accounts are found in the read model once it has caught up with the deletion, so every account
 * that was in the group before it was deleted is found. Re-running a reaction decides nothing new: an
 * account no longer in the group (or without the tag) records nothing.
 */
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { handleCommand } from '@cairn/shared/eventstore';
import type { Projection } from '@cairn/shared/projections';
import { ownedStreamParts } from '../library/owner.js';
import { isoAt } from '../runtime.js';
import { accountKey, accountStream, parseAccountStream } from './account.js';
import type { AccountsContext } from './context.js';
import { type AccountCommand, accountDecider } from './decide.js';
import { ACCOUNTS_PROJECTION, ACCOUNTS_TABLE, accountsReferencing } from './readModel.js';

export const ACCOUNT_REACTIONS = 'accounts-account-reactions';

/** The groups' and tags' streams (shared decision: `group-<ownerId>:<id>`, `tag-<ownerId>:<id>`). */
const GROUP_STREAM_PREFIX = 'group-';
const TAG_STREAM_PREFIX = 'tag-';

export function accountReactions(ax: AccountsContext): Projection {
  return {
    name: ACCOUNT_REACTIONS,
    tables: {},
    streamPrefixes: [GROUP_STREAM_PREFIX, TAG_STREAM_PREFIX, 'account-'],
    eventTypes: ['GroupDeleted', 'TagDeleted', 'AccountPurged'],
    async handle(events) {
      for (const event of events) await react(ax, event);
    },
  };
}

async function react(ax: AccountsContext, event: RecordedEvent): Promise<void> {
  if (event.type === 'AccountPurged') {
    const account = parseAccountStream(event.streamName);
    const at = (event.data as { at?: string }).at ?? event.metadata.occurredAt;
    if (account) await ax.keys.shredMadeBefore(account.ownerId, account.accountId, at);
    return;
  }
  const isGroup = event.type === 'GroupDeleted' && event.streamName.startsWith(GROUP_STREAM_PREFIX);
  const isTag = event.type === 'TagDeleted' && event.streamName.startsWith(TAG_STREAM_PREFIX);
  if (!isGroup && !isTag) return;
  const target = ownedStreamParts(event.streamName, isGroup ? GROUP_STREAM_PREFIX : TAG_STREAM_PREFIX);
  if (!target) return;
  // Every account that joined the group before its deletion is in the read model from this position on.
  await ax.rt.readModels.waitFor(ACCOUNTS_PROJECTION, event.position);
  const table = ax.rt.readModels.table(ACCOUNTS_PROJECTION, ACCOUNTS_TABLE);
  const accountIds = await accountsReferencing(
    ax.rt.pool,
    table,
    target.ownerId,
    isGroup ? { groupId: target.id } : { tagId: target.id },
  );
  for (const accountId of accountIds) {
    const now = ax.rt.now();
    const command: AccountCommand = isGroup
      ? { type: 'ClearAccountGroup', groupId: target.id, now: isoAt(now) }
      : { type: 'RemoveAccountTag', tagId: target.id, now: isoAt(now) };
    const result = await handleCommand(ax.rt.store, accountStream(target.ownerId, accountId), accountDecider, command, {
      metadata: {
        occurredAt: isoAt(now),
        causationId: event.metadata.eventId,
        ...(event.metadata.correlationId ? { correlationId: event.metadata.correlationId } : {}),
        actor: { kind: 'system', id: 'accounts' },
      },
      newEventId: ax.rt.newId,
    });
    ax.cache.put(accountKey(target.ownerId, accountId), result.state, result.version);
  }
}
