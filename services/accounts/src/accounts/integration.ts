/**
 * The public face of accounts: which recorded events become integration events, under which subject,
 * with which data. Each payload is built field by field and parsed with its contract schema (which
 * drops anything it does not name), so credentials, sealed or not, can never leave through here.
 */
import { accountsAccountIntegrationEvents as contract } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { IntegrationMessage } from '@cairn/shared/relay';
import { ACCOUNT_FIELD_NAMES, ACCOUNT_STREAM_PREFIX, type AccountEvent } from './account.js';

type Subject = keyof typeof contract;

const message = (subject: Subject, data: unknown): IntegrationMessage => ({
  subject,
  data: contract[subject].parse(data),
});

export function accountIntegrationEvent(recorded: RecordedEvent): IntegrationMessage | undefined {
  if (!recorded.streamName.startsWith(ACCOUNT_STREAM_PREFIX)) return undefined;
  const e = { type: recorded.type, data: recorded.data } as AccountEvent;
  switch (e.type) {
    case 'AccountCreated': {
      const d = e.data;
      return message('cairn.accounts.account.created.v1', {
        ownerId: d.ownerId,
        accountId: d.accountId,
        email: d.email,
        nickname: d.nickname,
        provider: d.provider,
        status: d.status,
        groupId: d.groupId,
        tagIds: [...d.tagIds],
        usage: { used: d.usage.used, limit: d.usage.limit },
        notes: d.notes,
        hasCredentials: d.credentials !== null,
        version: 1,
        occurredAt: d.at,
      });
    }
    case 'AccountUpdated': {
      const d = e.data;
      const changes: Record<string, unknown> = {};
      for (const name of ACCOUNT_FIELD_NAMES) if (d[name] !== undefined) changes[name] = d[name];
      return message('cairn.accounts.account.updated.v1', {
        ownerId: d.ownerId,
        accountId: d.accountId,
        changes,
        credentialsChanged: d.credentials !== undefined,
        ...(d.cause ? { cause: d.cause } : {}),
        version: d.version,
        occurredAt: d.at,
      });
    }
    case 'AccountDeleted':
    case 'AccountRestored':
    case 'AccountPurged': {
      const d = e.data;
      const subject =
        e.type === 'AccountDeleted'
          ? 'cairn.accounts.account.deleted.v1'
          : e.type === 'AccountRestored'
            ? 'cairn.accounts.account.restored.v1'
            : 'cairn.accounts.account.purged.v1';
      return message(subject, { ownerId: d.ownerId, accountId: d.accountId, version: d.version, occurredAt: d.at });
    }
    case 'AccountTokenRefreshed': {
      const d = e.data;
      return message('cairn.accounts.account.token-refreshed.v1', {
        ownerId: d.ownerId,
        accountId: d.accountId,
        status: d.status,
        version: d.version,
        occurredAt: d.at,
      });
    }
    case 'AccountStatusChecked': {
      const d = e.data;
      return message('cairn.accounts.account.status-checked.v1', {
        ownerId: d.ownerId,
        accountId: d.accountId,
        status: d.status,
        usage: { used: d.usage.used, limit: d.usage.limit },
        version: d.version,
        occurredAt: d.at,
      });
    }
    case 'AccountProviderFailed': {
      const d = e.data;
      return message('cairn.accounts.account.provider-failed.v1', {
        ownerId: d.ownerId,
        accountId: d.accountId,
        operation: d.operation,
        status: d.status,
        reason: d.reason,
        version: d.version,
        occurredAt: d.at,
      });
    }
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}
