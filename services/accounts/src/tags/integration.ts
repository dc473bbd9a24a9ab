/**
 * Tag events as integration events (`cairn.accounts.tag.<event>.v1`): built field by field and parsed
 * by the contract's schema, so nothing internal can slip out.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { IntegrationMessage } from '@cairn/shared/relay';
import type { TagEvent } from './tag.js';

export function tagIntegrationEvent(recorded: RecordedEvent): IntegrationMessage | undefined {
  const e = { type: recorded.type, data: recorded.data } as TagEvent;
  const { ownerId, tagId, version, at: occurredAt } = e.data;
  switch (e.type) {
    case 'TagCreated':
    case 'TagUpdated': {
      const subject = e.type === 'TagCreated' ? 'cairn.accounts.tag.created.v1' : 'cairn.accounts.tag.updated.v1';
      const data = { ownerId, tagId, name: e.data.name, color: e.data.color, version, occurredAt };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'TagDeleted': {
      const subject = 'cairn.accounts.tag.deleted.v1';
      return { subject, data: accountsIntegrationEvents[subject].parse({ ownerId, tagId, version, occurredAt }) };
    }
    default:
      return undefined;
  }
}
