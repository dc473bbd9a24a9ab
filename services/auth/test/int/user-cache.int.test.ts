/**
 * The in-process user cache behind `me`: states are read from their streams, and writes made by another
 * process (another store instance, as another replica would be) arrive through the log follower.
 */

import { type LogFollower, startLogFollower } from '@cairn/shared/cache';
import { PostgresEventStore } from '@cairn/shared/eventstore';
import { createLogger } from '@cairn/shared/logging';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleStream } from '../../src/roles/role.js';
import { userStream } from '../../src/users/user.js';
import { UserDirectory } from '../../src/users/view.js';

let db: TestDatabase;
let ours: PostgresEventStore;
let theirs: PostgresEventStore;
let directory: UserDirectory;
let follower: LogFollower;
const at = '2025-01-01T00:00:00.000Z';

beforeAll(async () => {
  db = await createTestDatabase();
  ours = new PostgresEventStore(db.pool(), 'auth');
  theirs = new PostgresEventStore(db.pool(), 'auth');
  await ours.init();
  directory = new UserDirectory(ours);
  follower = startLogFollower({
    store: ours,
    streamPrefixes: UserDirectory.streamPrefixes,
    onEvent: (e) => directory.apply(e),
    logger: createLogger({ name: 'test', level: 'silent' }),
    pollMs: 50,
  });
  await follower.caughtUp;
});
afterAll(async () => {
  await follower.stop();
  await db.drop();
});

const eventually = async (check: () => Promise<void>) => {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
};

describe('UserDirectory', () => {
  it('reads a user from its stream and follows another replica’s changes to it and to its roles', async () => {
    await theirs.appendToStream(
      roleStream('r1'),
      [
        {
          type: 'RoleCreated',
          data: { roleId: 'r1', name: 'R', permissions: ['users:read'], status: 'active', orgId: null, at },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    await theirs.appendToStream(
      userStream('u1'),
      [
        {
          type: 'UserCreated',
          data: {
            userId: 'u1',
            username: 'u',
            displayName: 'U',
            passwordHash: 'h',
            userType: 'support',
            orgId: null,
            roleIds: ['r1'],
            at,
          },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    expect(await directory.view('u1')).toMatchObject({ displayName: 'U', permissions: ['users:read'], version: 1 });

    await theirs.appendToStream(
      userStream('u1'),
      [{ type: 'UserProfileUpdated', data: { displayName: 'U2', userType: 'support', version: 2, at } }],
      {
        expectedVersion: 'stream_exists',
      },
    );
    await eventually(async () => expect(await directory.view('u1')).toMatchObject({ displayName: 'U2', version: 2 }));

    await theirs.appendToStream(
      roleStream('r1'),
      [{ type: 'RoleUpdated', data: { name: 'R', permissions: ['users:read', 'users:write'], status: 'active', at } }],
      { expectedVersion: 'stream_exists' },
    );
    await eventually(async () =>
      expect((await directory.view('u1'))?.permissions).toEqual(['users:read', 'users:write']),
    );
  });

  it('follows another replica’s multi-event update as one version', async () => {
    expect((await directory.view('u1'))?.version).toBe(2);
    // One update by the other replica: three events, all at the user's next version.
    await theirs.appendToStream(
      userStream('u1'),
      [
        { type: 'UserProfileUpdated', data: { displayName: 'U3', userType: 'support', version: 3, at } },
        { type: 'UserRolesAssigned', data: { roleIds: [], version: 3, at } },
        { type: 'UserOrgChanged', data: { orgId: 'o1', version: 3, at } },
      ],
      { expectedVersion: 'stream_exists' },
    );
    await eventually(async () =>
      expect(await directory.view('u1')).toMatchObject({ displayName: 'U3', orgId: 'o1', permissions: [], version: 3 }),
    );
    // A fresh read folds the same stream to the same version.
    expect(await directory.users.fresh('u1')).toMatchObject({ version: 3 });
  });

  it('caches a missing user as missing until it is created elsewhere', async () => {
    expect(await directory.view('u2')).toBeUndefined();
    await theirs.appendToStream(
      userStream('u2'),
      [
        {
          type: 'UserRegistered',
          data: { userId: 'u2', username: 'v', displayName: 'V', passwordHash: null, via: 'wechat', at },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    await eventually(async () => expect(await directory.view('u2')).toMatchObject({ username: 'v' }));
  });

  it('own writes put newer states; stale ones are ignored', async () => {
    const current = await directory.users.get('u2');
    expect(current.kind).toBe('existing');
    const result = await ours.appendToStream(userStream('u2'), [{ type: 'UserDisabled', data: { version: 2, at } }], {
      expectedVersion: 'stream_exists',
    });
    const disabled = {
      ...(current as Extract<typeof current, { kind: 'existing' }>),
      status: 'disabled' as const,
      version: 2,
    };
    directory.users.put('u2', disabled, result.nextExpectedVersion);
    directory.users.put('u2', current, (result.nextExpectedVersion - 1n) as typeof result.nextExpectedVersion);
    expect((await directory.view('u2'))?.status).toBe('disabled');
    await follower.sync();
    expect((await directory.view('u2'))?.version).toBe(2);
  });
});
