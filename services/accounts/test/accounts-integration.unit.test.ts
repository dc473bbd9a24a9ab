/**
 * The accounts' integration events: one per change, parsed by its contract schema, with the version
 * after the change, and never the credentials (not even sealed).
 */
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { describe, expect, it } from 'vitest';
import { type AccountEvent, accountStream } from '../src/accounts/account.js';
import type { SealedCredentials } from '../src/accounts/crypto/sealed.js';
import { accountIntegrationEvent } from '../src/accounts/integration.js';
import { change, created, OWNER } from './support/accounts-spec.js';

const sealed: SealedCredentials = { kid: 'KID', iv: 'IV', ct: 'CIPHERTEXT', tag: 'TAG', digest: 'DIGEST' };

const recorded = (event: AccountEvent, version = 1): RecordedEvent =>
  ({
    ...event,
    schemaVersion: 1,
    streamName: accountStream(OWNER, 'acc-1'),
    streamVersion: BigInt(version),
    position: { commit: 1n, prepare: BigInt(version) },
    metadata: { eventId: `e${version}`, occurredAt: '2030-01-01T00:00:00.000Z' },
  }) as unknown as RecordedEvent;

const events: AccountEvent[] = [
  created('acc-1', { tagIds: ['t'] }, sealed),
  { type: 'AccountUpdated', data: { ...change(2), nickname: 'N', credentials: sealed } },
  { type: 'AccountUpdated', data: { ...change(3), groupId: null, cause: 'group-deleted' } },
  { type: 'AccountDeleted', data: change(4) },
  { type: 'AccountRestored', data: change(5) },
  { type: 'AccountTokenRefreshed', data: { ...change(6), credentials: sealed, status: 'active' } },
  { type: 'AccountStatusChecked', data: { ...change(7), usage: { used: 1, limit: 9 }, status: 'active' } },
  {
    type: 'AccountProviderFailed',
    data: { ...change(8), operation: 'refresh-token', status: 'expired', reason: 'invalid_grant' },
  },
  { type: 'AccountPurged', data: change(9) },
];

describe('account integration events', () => {
  it('publish every change under its subject, with the version after it', () => {
    const messages = events.map((e, i) => accountIntegrationEvent(recorded(e, i + 1)));
    expect(messages.map((m) => m?.subject)).toEqual([
      'cairn.accounts.account.created.v1',
      'cairn.accounts.account.updated.v1',
      'cairn.accounts.account.updated.v1',
      'cairn.accounts.account.deleted.v1',
      'cairn.accounts.account.restored.v1',
      'cairn.accounts.account.token-refreshed.v1',
      'cairn.accounts.account.status-checked.v1',
      'cairn.accounts.account.provider-failed.v1',
      'cairn.accounts.account.purged.v1',
    ]);
    expect(messages.map((m) => (m?.data as { version?: number } | undefined)?.version)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(messages[0]?.data).toMatchObject({
      ownerId: OWNER,
      accountId: 'acc-1',
      hasCredentials: true,
      tagIds: ['t'],
    });
    expect(messages[1]?.data).toMatchObject({ changes: { nickname: 'N' }, credentialsChanged: true });
    expect(messages[2]?.data).toMatchObject({ changes: { groupId: null }, cause: 'group-deleted' });
  });

  it('never carry credentials, sealed or not', () => {
    for (const [i, e] of events.entries()) {
      const text = JSON.stringify(accountIntegrationEvent(recorded(e, i + 1)));
      for (const part of ['CIPHERTEXT', 'KID', 'DIGEST', '"credentials"']) expect(text).not.toContain(part);
    }
  });
});
