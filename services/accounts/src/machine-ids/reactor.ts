/**
 * When an account is deleted for good (`AccountPurged`), its machine-id binding goes too: a command on
 * the account's machine-id stream, which does nothing when nothing is bound, so running the reaction
 * again changes nothing. The history stays (it holds machine ids, never credentials).
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { GlobalPosition } from '@cairn/shared/eventstore';
import type { Projection } from '@cairn/shared/projections';
import { ownedStreamParts } from '../library/owner.js';
import { type AccountsRuntime, execute, isoAt } from '../runtime.js';
import { ACCOUNT_STREAM_PREFIX } from './accountStanding.js';
import { machineIdStream } from './binding.js';
import { machineIdDecider } from './decideBinding.js';

export const UNBIND_PURGED_ACCOUNTS_REACTOR = 'accounts-machine-ids-unbind-purged';

export const unbindPurgedAccounts = (rt: AccountsRuntime): Projection => ({
  name: UNBIND_PURGED_ACCOUNTS_REACTOR,
  tables: {},
  streamPrefixes: [ACCOUNT_STREAM_PREFIX],
  eventTypes: ['AccountPurged'],
  async handle(events) {
    for (const event of events) {
      const parts = ownedStreamParts(event.streamName, ACCOUNT_STREAM_PREFIX);
      if (!parts) continue;
      const context: RequestContext = {
        requestId: event.metadata.correlationId ?? event.metadata.eventId,
        actor: { kind: 'system', id: UNBIND_PURGED_ACCOUNTS_REACTOR },
      };
      await unbindPurgedAccount(rt, parts.ownerId, parts.id, context);
    }
  },
});

/** Also used by a bind that finds its account purged meanwhile (see handlers); the position of the unbind. */
export async function unbindPurgedAccount(
  rt: AccountsRuntime,
  ownerId: string,
  accountId: string,
  context: RequestContext,
): Promise<GlobalPosition | undefined> {
  const now = rt.now();
  const result = await execute(
    rt,
    machineIdStream(ownerId, accountId),
    machineIdDecider,
    { type: 'UnbindForPurgedAccount', ownerId, accountId, now: isoAt(now) },
    context,
    now,
  );
  return result.append?.position;
}
