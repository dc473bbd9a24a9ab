import { describe, expect, it } from 'vitest';
import { usernameDecider } from '../../src/usernames/decide.js';
import { usernameKey, usernameStream } from '../../src/usernames/username.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec(usernameDecider);
const t0 = '2025-01-01T00:00:00.000Z';
const claimed = { type: 'UsernameClaimed' as const, data: { username: 'Alice', userId: 'u1', at: t0 } };
const claim = (userId: string, now: string, ownerWithoutUser?: string) => ({
  type: 'ClaimUsername' as const,
  username: 'alice',
  userId,
  now,
  orphanAfterMs: 60_000,
  ...(ownerWithoutUser ? { ownerWithoutUser } : {}),
});

describe('username claims', () => {
  it('keys usernames case-insensitively', () => {
    expect(usernameStream('  Alice ')).toBe('username-alice');
    expect(usernameKey('ALICE')).toBe('alice');
  });

  it('claims a free name', () => {
    spec
      .given([])
      .when(claim('u1', t0))
      .then([{ type: 'UsernameClaimed', data: { username: 'alice', userId: 'u1', at: t0 } }]);
  });

  it('a taken name is a conflict, even for a claim whose owner is missing but recent', () => {
    spec.given([claimed]).when(claim('u2', t0)).thenFails('CONFLICT');
    spec
      .given([claimed])
      .when(claim('u2', '2025-01-01T00:00:30.000Z', 'u1'))
      .thenFails('CONFLICT');
  });

  it('the same user claiming again decides nothing', () => {
    spec.given([claimed]).when(claim('u1', t0)).then([]);
  });

  it('an old claim whose user was never created can be taken over', () => {
    const later = '2025-01-01T00:05:00.000Z';
    spec
      .given([claimed])
      .when(claim('u2', later, 'u1'))
      .then([
        { type: 'UsernameReleased', data: { userId: 'u1', at: later } },
        { type: 'UsernameClaimed', data: { username: 'alice', userId: 'u2', at: later } },
      ]);
  });

  it('a released name is free again; only the owner releases', () => {
    spec
      .given([claimed])
      .when({ type: 'ReleaseUsername', userId: 'u1', now: t0 })
      .then([{ type: 'UsernameReleased', data: { userId: 'u1', at: t0 } }]);
    spec.given([claimed]).when({ type: 'ReleaseUsername', userId: 'u2', now: t0 }).then([]);
    spec
      .given([claimed, { type: 'UsernameReleased', data: { userId: 'u1', at: t0 } }])
      .when(claim('u3', t0))
      .then([{ type: 'UsernameClaimed', data: { username: 'alice', userId: 'u3', at: t0 } }]);
  });
});
