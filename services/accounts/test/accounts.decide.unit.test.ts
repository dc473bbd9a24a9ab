/**
 * The account decider as a specification: what each command records, given the account's history,
 * and what it refuses. Versions count accepted commands; a command that changes nothing records
 * nothing; stale versions are conflicts that show the current copy (never its credentials).
 */
import { describe, expect, it } from 'vitest';
import type { SealedCredentials } from '../src/accounts/crypto/sealed.js';
import { change, created, FIELDS, given, OWNER, stateAfter, T0, T1, T2 } from './support/accounts-spec.js';

const sealed = (digest: string, kid = 'k1'): SealedCredentials => ({ kid, iv: 'iv', ct: 'ct', tag: 'tag', digest });

describe('creating an account', () => {
  it('records every field at version 1, each tag once', () => {
    given([])
      .when({
        type: 'CreateAccount',
        ownerId: OWNER,
        accountId: 'acc-1',
        fields: { ...FIELDS, tagIds: ['a', 'b', 'a'] },
        credentials: sealed('d1'),
        now: T0,
      })
      .then([
        {
          type: 'AccountCreated',
          data: {
            ownerId: OWNER,
            accountId: 'acc-1',
            ...FIELDS,
            tagIds: ['a', 'b'],
            credentials: sealed('d1'),
            version: 1,
            at: T0,
          },
        },
      ]);
  });

  it('refuses an id the owner already uses (409 CONFLICT)', () => {
    given([created()])
      .when({ type: 'CreateAccount', ownerId: OWNER, accountId: 'acc-1', fields: FIELDS, credentials: null, now: T1 })
      .thenFails('CONFLICT');
  });

  it('may reuse the id of a purged account: a new account at version 1', () => {
    const events = [created(), { type: 'AccountPurged' as const, data: change(2) }];
    given(events)
      .when({ type: 'CreateAccount', ownerId: OWNER, accountId: 'acc-1', fields: FIELDS, credentials: null, now: T2 })
      .then([
        {
          type: 'AccountCreated',
          data: { ownerId: OWNER, accountId: 'acc-1', ...FIELDS, credentials: null, version: 1, at: T2 },
        },
      ]);
  });
});

describe('updating an account (PUT and PATCH)', () => {
  it('records only the fields that changed, at the next version', () => {
    given([created()])
      .when({
        type: 'UpdateAccount',
        expectedVersion: 1,
        changes: { ...FIELDS, email: 'new@example.com', tagIds: ['x'] },
        now: T1,
      })
      .then([{ type: 'AccountUpdated', data: { ...change(2), email: 'new@example.com', tagIds: ['x'] } }]);
  });

  it('records nothing when nothing changes (the version stays)', () => {
    given([created()])
      .when({ type: 'UpdateAccount', expectedVersion: 1, changes: { nickname: 'Ada', usage: FIELDS.usage }, now: T1 })
      .then([]);
  });

  it('refuses a stale version with the current version and copy, without credentials', () => {
    const error = given([
      created('acc-1', {}, sealed('d1')),
      { type: 'AccountUpdated', data: { ...change(2), notes: 'n' } },
    ])
      .when({ type: 'UpdateAccount', expectedVersion: 1, changes: { notes: 'mine' }, now: T2 })
      .thenFails('VERSION_CONFLICT');
    expect(error.details).toEqual({
      currentVersion: 2,
      current: expect.objectContaining({ id: 'acc-1', version: 2, notes: 'n', hasCredentials: true }),
    });
    expect(JSON.stringify(error.details)).not.toContain('credentials');
  });

  it('refuses an account that does not exist, or no longer does (404)', () => {
    given([]).when({ type: 'UpdateAccount', expectedVersion: 1, changes: {}, now: T1 }).thenFails('ACCOUNT_NOT_FOUND');
    given([created(), { type: 'AccountPurged', data: change(2) }])
      .when({ type: 'UpdateAccount', expectedVersion: 2, changes: {}, now: T2 })
      .thenFails('ACCOUNT_NOT_FOUND');
  });

  it('tells changed credentials from equal ones by their digest, and records their removal', () => {
    const history = [created('acc-1', {}, sealed('same'))];
    given(history)
      .when({ type: 'UpdateAccount', expectedVersion: 1, changes: {}, credentials: sealed('same'), now: T1 })
      .then([]);
    given(history)
      .when({ type: 'UpdateAccount', expectedVersion: 1, changes: {}, credentials: sealed('other'), now: T1 })
      .then([{ type: 'AccountUpdated', data: { ...change(2), credentials: sealed('other') } }]);
    given(history)
      .when({ type: 'UpdateAccount', expectedVersion: 1, changes: {}, credentials: null, now: T1 })
      .then([{ type: 'AccountUpdated', data: { ...change(2), credentials: null } }]);
  });

  it('a status set by the client clears the message a failed provider call left', () => {
    const state = stateAfter([
      created(),
      {
        type: 'AccountProviderFailed',
        data: { ...change(2), operation: 'refresh-token', status: 'expired', reason: 'invalid_grant' },
      },
      { type: 'AccountUpdated', data: { ...change(3, T2), status: 'active' } },
    ]);
    expect(state).toMatchObject({ status: 'active', statusMessage: null, version: 3 });
  });
});

describe('soft delete, restore and purge', () => {
  const deleted = { type: 'AccountDeleted' as const, data: change(2) };

  it('soft-deletes with or without a version; again is a no-op', () => {
    given([created()]).when({ type: 'DeleteAccount', now: T1 }).then([deleted]);
    given([created()]).when({ type: 'DeleteAccount', expectedVersion: 1, now: T1 }).then([deleted]);
    given([created(), deleted]).when({ type: 'DeleteAccount', now: T2 }).then([]);
    expect(stateAfter([created(), deleted])).toMatchObject({ kind: 'existing', deletedAt: T1, version: 2 });
  });

  it('enforces a version when one is given', () => {
    given([created(), { type: 'AccountUpdated', data: { ...change(2), notes: 'x' } }])
      .when({ type: 'DeleteAccount', expectedVersion: 1, now: T2 })
      .thenFails('VERSION_CONFLICT');
  });

  it('restores a soft-deleted account; restoring a live one changes nothing', () => {
    given([created(), deleted])
      .when({ type: 'RestoreAccount', now: T2 })
      .then([{ type: 'AccountRestored', data: change(3, T2) }]);
    given([created()]).when({ type: 'RestoreAccount', now: T2 }).then([]);
    expect(stateAfter([created(), deleted, { type: 'AccountRestored', data: change(3, T2) }])).toMatchObject({
      deletedAt: null,
      version: 3,
    });
  });

  it('purges an account (live or soft-deleted), after which it is gone', () => {
    given([created(), deleted])
      .when({ type: 'PurgeAccount', now: T2 })
      .then([{ type: 'AccountPurged', data: change(3, T2) }]);
    given([created(), { type: 'AccountPurged', data: change(2) }])
      .when({ type: 'PurgeAccount', now: T2 })
      .thenFails('ACCOUNT_NOT_FOUND');
    given([created(), { type: 'AccountPurged', data: change(2) }])
      .when({ type: 'DeleteAccount', now: T2 })
      .thenFails('ACCOUNT_NOT_FOUND');
  });
});

describe('reactions to deleted groups and tags', () => {
  it('clears the group from an account in it, once', () => {
    const inGroup = created('acc-1', { groupId: 'g1' });
    const cleared = {
      type: 'AccountUpdated' as const,
      data: { ...change(2), groupId: null, cause: 'group-deleted' as const },
    };
    given([inGroup]).when({ type: 'ClearAccountGroup', groupId: 'g1', now: T1 }).then([cleared]);
    given([inGroup, cleared]).when({ type: 'ClearAccountGroup', groupId: 'g1', now: T2 }).then([]);
    given([created('acc-1', { groupId: 'g2' })])
      .when({ type: 'ClearAccountGroup', groupId: 'g1', now: T1 })
      .then([]);
    given([]).when({ type: 'ClearAccountGroup', groupId: 'g1', now: T1 }).then([]);
  });

  it('removes the tag from an account that carries it, keeping the others in order', () => {
    const tagged = created('acc-1', { tagIds: ['a', 't', 'b'] });
    given([tagged])
      .when({ type: 'RemoveAccountTag', tagId: 't', now: T1 })
      .then([{ type: 'AccountUpdated', data: { ...change(2), tagIds: ['a', 'b'], cause: 'tag-deleted' } }]);
    given([created('acc-1', { tagIds: ['a'] })])
      .when({ type: 'RemoveAccountTag', tagId: 't', now: T1 })
      .then([]);
  });
});

describe('provider outcomes', () => {
  it('a refresh stores the new sealed tokens and makes the account active', () => {
    const expired = {
      type: 'AccountProviderFailed' as const,
      data: { ...change(2), operation: 'refresh-token' as const, status: 'expired' as const, reason: 'invalid_grant' },
    };
    given([created(), expired])
      .when({ type: 'RecordTokenRefresh', credentials: sealed('new'), now: T2 })
      .then([
        { type: 'AccountTokenRefreshed', data: { ...change(3, T2), credentials: sealed('new'), status: 'active' } },
      ]);
    const state = stateAfter([
      created(),
      expired,
      { type: 'AccountTokenRefreshed', data: { ...change(3, T2), credentials: sealed('new'), status: 'active' } },
    ]);
    expect(state).toMatchObject({
      status: 'active',
      statusMessage: null,
      lastCheckedAt: T2,
      credentials: sealed('new'),
    });
  });

  it('a usage check stores the usage', () => {
    given([created()])
      .when({ type: 'RecordStatusCheck', usage: { used: 5, limit: 50 }, now: T1 })
      .then([
        { type: 'AccountStatusChecked', data: { ...change(2), usage: { used: 5, limit: 50 }, status: 'active' } },
      ]);
  });

  it('a refused credential makes the account expired, any other failure error, and explains why', () => {
    given([created()])
      .when({
        type: 'RecordProviderFailure',
        operation: 'refresh-token',
        rejected: true,
        reason: 'invalid_grant',
        now: T1,
      })
      .then([
        {
          type: 'AccountProviderFailed',
          data: { ...change(2), operation: 'refresh-token', status: 'expired', reason: 'invalid_grant' },
        },
      ]);
    given([created()])
      .when({ type: 'RecordProviderFailure', operation: 'check-status', rejected: false, reason: 'HTTP 503', now: T1 })
      .then([
        {
          type: 'AccountProviderFailed',
          data: { ...change(2), operation: 'check-status', status: 'error', reason: 'HTTP 503' },
        },
      ]);
  });

  it('a disabled account stays disabled whatever the provider says', () => {
    const disabled = created('acc-1', { status: 'disabled' });
    given([disabled])
      .when({ type: 'RecordStatusCheck', usage: { used: 1, limit: 2 }, now: T1 })
      .then([
        { type: 'AccountStatusChecked', data: { ...change(2), usage: { used: 1, limit: 2 }, status: 'disabled' } },
      ]);
    given([disabled])
      .when({ type: 'RecordProviderFailure', operation: 'check-status', rejected: true, reason: 'HTTP 401', now: T1 })
      .then([
        {
          type: 'AccountProviderFailed',
          data: { ...change(2), operation: 'check-status', status: 'disabled', reason: 'HTTP 401' },
        },
      ]);
  });

  it('refuses to record an outcome for an account that is gone', () => {
    given([])
      .when({ type: 'RecordStatusCheck', usage: { used: 0, limit: 0 }, now: T1 })
      .thenFails('ACCOUNT_NOT_FOUND');
  });
});
