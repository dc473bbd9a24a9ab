/**
 * Setting events as integration events (`cairn.accounts.setting.<created|updated>.v1`), built field by
 * field and parsed by the contract's schema. They carry the value: settings are preferences, and a
 * subscriber that mirrors them needs it.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { IntegrationMessage } from '@cairn/shared/relay';
import type { SettingEvent } from './setting.js';

export function settingIntegrationEvent(recorded: RecordedEvent): IntegrationMessage | undefined {
  const e = { type: recorded.type, data: recorded.data } as SettingEvent;
  const { ownerId, key, value, version, at: occurredAt } = e.data;
  const data = { ownerId, key, value, version, occurredAt };
  switch (e.type) {
    case 'SettingCreated': {
      const subject = 'cairn.accounts.setting.created.v1';
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'SettingUpdated': {
      const subject = 'cairn.accounts.setting.updated.v1';
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    default:
      return undefined;
  }
}
