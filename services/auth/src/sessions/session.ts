/**
 * The session aggregate (stream `session-<id>`). Only SHA-256 hashes of refresh tokens are recorded:
 * the event log is read by projections and backups, and a hash is enough to recognise a token.
 */
import type { UserType } from '@cairn/shared/contracts';

export const sessionStream = (sessionId: string): string => `session-${sessionId}`;
export const SESSION_STREAM_PREFIX = 'session-';

export type SessionMethod = 'password' | 'register' | 'wechat';
export type RevokeReason = 'logout' | 'refresh_token_reuse' | 'user_disabled';

export type SessionEvent =
  | {
      readonly type: 'SessionStarted';
      readonly data: {
        readonly sessionId: string;
        readonly userId: string;
        readonly userType: UserType;
        readonly orgId: string | null;
        readonly method: SessionMethod;
        readonly refreshTokenHash: string;
        readonly refreshExpiresAt: string;
        readonly accessExpiresAt: string;
        readonly at: string;
      };
    }
  | {
      readonly type: 'SessionRefreshed';
      readonly data: {
        readonly previousTokenHash: string;
        readonly refreshTokenHash: string;
        readonly refreshExpiresAt: string;
        readonly accessExpiresAt: string;
        readonly at: string;
      };
    }
  /**
   * The just-rotated token came again within the grace period (a client that sent two refreshes at
   * once): the same new refresh token is handed out again, with a fresh access token.
   */
  | {
      readonly type: 'SessionRefreshRepeated';
      readonly data: { readonly accessExpiresAt: string; readonly at: string };
    }
  | {
      readonly type: 'SessionRevoked';
      /** The user is repeated here so consumers of the integration event need no lookup. */
      readonly data: { readonly userId: string; readonly reason: RevokeReason; readonly at: string };
    };

export const SESSION_EVENT_TYPES: readonly SessionEvent['type'][] = [
  'SessionStarted',
  'SessionRefreshed',
  'SessionRefreshRepeated',
  'SessionRevoked',
];

export interface KnownSession {
  readonly kind: 'active' | 'revoked';
  readonly sessionId: string;
  readonly userId: string;
  readonly userType: UserType;
  readonly orgId: string | null;
  readonly currentTokenHash: string;
  /** The token rotated out by the last refresh, and when: presented again within the grace it is a double refresh. */
  readonly previousTokenHash: string | null;
  readonly rotatedAt: string | null;
  /** Every older token: presenting one of these is a theft signal. */
  readonly retiredTokenHashes: readonly string[];
  readonly refreshExpiresAt: string;
  /** The latest expiry of any access token issued in this session. */
  readonly accessExpiresAt: string;
  readonly startedAt: string;
  readonly revokedAt: string | null;
  readonly revokeReason: RevokeReason | null;
}

export type SessionState = { readonly kind: 'absent' } | KnownSession;

export const initialSessionState = (): SessionState => ({ kind: 'absent' });

const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted':
      return {
        kind: 'active',
        sessionId: event.data.sessionId,
        userId: event.data.userId,
        userType: event.data.userType,
        orgId: event.data.orgId,
        currentTokenHash: event.data.refreshTokenHash,
        previousTokenHash: null,
        rotatedAt: null,
        retiredTokenHashes: [],
        refreshExpiresAt: event.data.refreshExpiresAt,
        accessExpiresAt: event.data.accessExpiresAt,
        startedAt: event.data.at,
        revokedAt: null,
        revokeReason: null,
      };
    case 'SessionRefreshed':
      if (state.kind === 'absent') return state;
      return {
        ...state,
        currentTokenHash: event.data.refreshTokenHash,
        previousTokenHash: event.data.previousTokenHash,
        rotatedAt: event.data.at,
        retiredTokenHashes:
          state.previousTokenHash === null
            ? state.retiredTokenHashes
            : [...state.retiredTokenHashes, state.previousTokenHash],
        refreshExpiresAt: event.data.refreshExpiresAt,
        accessExpiresAt: later(state.accessExpiresAt, event.data.accessExpiresAt),
      };
    case 'SessionRefreshRepeated':
      if (state.kind === 'absent') return state;
      return { ...state, accessExpiresAt: later(state.accessExpiresAt, event.data.accessExpiresAt) };
    case 'SessionRevoked':
      if (state.kind === 'absent') return state;
      return { ...state, kind: 'revoked', revokedAt: event.data.at, revokeReason: event.data.reason };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
