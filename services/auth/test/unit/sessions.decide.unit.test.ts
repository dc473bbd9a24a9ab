import { describe, expect, it } from 'vitest';
import { sessionDecider } from '../../src/sessions/decide.js';
import type { SessionEvent } from '../../src/sessions/session.js';
import { deciderSpec, stateAfter } from '../support/deciderSpec.js';

const spec = deciderSpec(sessionDecider);
const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, seconds)).toISOString();
const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString();

const started: SessionEvent = {
  type: 'SessionStarted',
  data: {
    sessionId: 's1',
    userId: 'u1',
    userType: 'customer',
    orgId: null,
    method: 'password',
    refreshTokenHash: 'h0',
    refreshExpiresAt: day(30),
    accessExpiresAt: at(900),
    at: at(0),
  },
};
const rotated: SessionEvent = {
  type: 'SessionRefreshed',
  data: {
    previousTokenHash: 'h0',
    refreshTokenHash: 'h1',
    refreshExpiresAt: day(31),
    accessExpiresAt: at(960),
    at: at(60),
  },
};
const refresh = (presented: string, next: string, nowSeconds: number) => ({
  type: 'RefreshSession' as const,
  presentedTokenHash: presented,
  nextTokenHash: next,
  refreshExpiresAt: day(32),
  accessExpiresAt: at(nowSeconds + 900),
  reuseGraceMs: 10_000,
  now: at(nowSeconds),
});

describe('session decider', () => {
  it('rotates the current refresh token', () => {
    spec
      .given([started])
      .when(refresh('h0', 'h1', 60))
      .then([
        {
          type: 'SessionRefreshed',
          data: {
            previousTokenHash: 'h0',
            refreshTokenHash: 'h1',
            refreshExpiresAt: day(32),
            accessExpiresAt: at(960),
            at: at(60),
          },
        },
      ]);
  });

  it('a repeat of the rotated token within the grace gets the same successor', () => {
    spec
      .given([started, rotated])
      .when(refresh('h0', 'h1', 65))
      .then([{ type: 'SessionRefreshRepeated', data: { accessExpiresAt: at(965), at: at(65) } }]);
  });

  it('a repeat after the grace revokes the session', () => {
    spec
      .given([started, rotated])
      .when(refresh('h0', 'h1', 71))
      .then([{ type: 'SessionRevoked', data: { userId: 'u1', reason: 'refresh_token_reuse', at: at(71) } }]);
  });

  it('any older token revokes the session at once', () => {
    const second: SessionEvent = {
      type: 'SessionRefreshed',
      data: {
        previousTokenHash: 'h1',
        refreshTokenHash: 'h2',
        refreshExpiresAt: day(31),
        accessExpiresAt: at(1000),
        at: at(100),
      },
    };
    spec
      .given([started, rotated, second])
      .when(refresh('h0', 'h1', 101))
      .then([{ type: 'SessionRevoked', data: { userId: 'u1', reason: 'refresh_token_reuse', at: at(101) } }]);
  });

  it('an unknown token is refused without revoking', () => {
    spec
      .given([started])
      .when(refresh('forged', 'x', 60))
      .thenFails('UNAUTHORIZED');
  });

  it('an expired refresh token and a revoked session are refused', () => {
    spec
      .given([started])
      .when({ ...refresh('h0', 'h1', 0), now: day(30) })
      .thenFails('UNAUTHORIZED');
    spec
      .given([started, { type: 'SessionRevoked', data: { userId: 'u1', reason: 'logout', at: at(5) } }])
      .when(refresh('h0', 'h1', 10))
      .thenFails('UNAUTHORIZED');
  });

  it('revokes once; revoking again changes nothing', () => {
    spec
      .given([started])
      .when({ type: 'RevokeSession', reason: 'logout', now: at(5) })
      .then([{ type: 'SessionRevoked', data: { userId: 'u1', reason: 'logout', at: at(5) } }]);
    spec
      .given([started, { type: 'SessionRevoked', data: { userId: 'u1', reason: 'logout', at: at(5) } }])
      .when({ type: 'RevokeSession', reason: 'logout', now: at(6) })
      .then([]);
    spec
      .given([])
      .when({ type: 'RevokeSession', reason: 'logout', now: at(6) })
      .thenFails('UNAUTHORIZED');
  });

  it('tracks the latest access-token expiry across refreshes', () => {
    const state = stateAfter(sessionDecider, [
      started,
      rotated,
      { type: 'SessionRefreshRepeated', data: { accessExpiresAt: at(965), at: at(65) } },
      { type: 'SessionRevoked', data: { userId: 'u1', reason: 'logout', at: at(70) } },
    ]);
    expect(state).toMatchObject({
      kind: 'revoked',
      accessExpiresAt: at(965),
      revokeReason: 'logout',
      currentTokenHash: 'h1',
    });
  });
});
