/**
 * Group events as integration events (`cairn.accounts.group.<event>.v1`): built field by field and
 * parsed by the contract's schema, so nothing internal can slip out.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { IntegrationMessage } from '@cairn/shared/relay';
import type { GroupEvent } from './group.js';

export function groupIntegrationEvent(recorded: RecordedEvent): IntegrationMessage | undefined {
  const e = { type: recorded.type, data: recorded.data } as GroupEvent;
  const { ownerId, groupId, version, at: occurredAt } = e.data;
  switch (e.type) {
    case 'GroupCreated':
    case 'GroupUpdated': {
      const subject = e.type === 'GroupCreated' ? 'cairn.accounts.group.created.v1' : 'cairn.accounts.group.updated.v1';
      const data = {
        ownerId,
        groupId,
        name: e.data.name,
        color: e.data.color,
        order: e.data.order,
        version,
        occurredAt,
      };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'GroupReordered': {
      const subject = 'cairn.accounts.group.reordered.v1';
      const data = { ownerId, groupId, order: e.data.order, version, occurredAt };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'GroupDeleted': {
      const subject = 'cairn.accounts.group.deleted.v1';
      return { subject, data: accountsIntegrationEvents[subject].parse({ ownerId, groupId, version, occurredAt }) };
    }
    default:
      return undefined;
  }
}
