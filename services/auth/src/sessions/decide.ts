/**
 * Session decisions. Refresh-token rotation with theft detection: the current token rotates; the token
 * it replaced is still honoured for a short grace (two refreshes sent at once by one client), handing
 * out the same successor; after the grace, or for any older token, it means a copy of the token is in
 * someone else's hands, and the whole session is revoked.
 */
import type { UserType } from '@cairn/shared/contracts';
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import {
  evolveSession,
  initialSessionState,
  type RevokeReason,
  type SessionEvent,
  type SessionMethod,
  type SessionState,
} from './session.js';

export type SessionCommand =
  | {
      readonly type: 'StartSession';
      readonly sessionId: string;
      readonly userId: string;
      readonly userType: UserType;
      readonly orgId: string | null;
      readonly method: SessionMethod;
      readonly refreshTokenHash: string;
      readonly refreshExpiresAt: string;
      readonly accessExpiresAt: string;
      readonly now: string;
    }
  | {
      readonly type: 'RefreshSession';
      readonly presentedTokenHash: string;
      /** Hash of the successor derived from the presented token (the same for a repeated refresh). */
      readonly nextTokenHash: string;
      readonly refreshExpiresAt: string;
      readonly accessExpiresAt: string;
      readonly reuseGraceMs: number;
      readonly now: string;
    }
  | { readonly type: 'RevokeSession'; readonly reason: RevokeReason; readonly now: string };

export const invalidRefreshToken = (): DomainError =>
  new DomainError('UNAUTHORIZED', 'Invalid or expired refresh token');

export function decideSession(command: SessionCommand, state: SessionState): readonly SessionEvent[] {
  switch (command.type) {
    case 'StartSession':
      if (state.kind !== 'absent') throw new DomainError('CONFLICT', 'Session already exists');
      return [
        {
          type: 'SessionStarted',
          data: {
            sessionId: command.sessionId,
            userId: command.userId,
            userType: command.userType,
            orgId: command.orgId,
            method: command.method,
            refreshTokenHash: command.refreshTokenHash,
            refreshExpiresAt: command.refreshExpiresAt,
            accessExpiresAt: command.accessExpiresAt,
            at: command.now,
          },
        },
      ];
    case 'RefreshSession': {
      if (state.kind !== 'active') throw invalidRefreshToken();
      const now = Date.parse(command.now);
      const presented = command.presentedTokenHash;
      if (presented === state.currentTokenHash) {
        if (now >= Date.parse(state.refreshExpiresAt)) throw invalidRefreshToken();
        return [
          {
            type: 'SessionRefreshed',
            data: {
              previousTokenHash: presented,
              refreshTokenHash: command.nextTokenHash,
              refreshExpiresAt: command.refreshExpiresAt,
              accessExpiresAt: command.accessExpiresAt,
              at: command.now,
            },
          },
        ];
      }
      const reuse: SessionEvent = {
        type: 'SessionRevoked',
        data: { userId: state.userId, reason: 'refresh_token_reuse', at: command.now },
      };
      if (presented === state.previousTokenHash) {
        const withinGrace = state.rotatedAt !== null && now - Date.parse(state.rotatedAt) <= command.reuseGraceMs;
        if (withinGrace && command.nextTokenHash === state.currentTokenHash) {
          return [
            { type: 'SessionRefreshRepeated', data: { accessExpiresAt: command.accessExpiresAt, at: command.now } },
          ];
        }
        return [reuse];
      }
      if (state.retiredTokenHashes.includes(presented)) return [reuse];
      // A token this session never issued is a guess, not a stolen copy: refuse it without revoking,
      // or anyone could end other people's sessions by knowing only a session id.
      throw invalidRefreshToken();
    }
    case 'RevokeSession':
      if (state.kind === 'absent') throw new DomainError('UNAUTHORIZED', 'Unknown session');
      if (state.kind === 'revoked') return [];
      return [{ type: 'SessionRevoked', data: { userId: state.userId, reason: command.reason, at: command.now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const sessionDecider: Decider<SessionCommand, SessionState, SessionEvent> = {
  initialState: initialSessionState,
  evolve: evolveSession,
  decide: decideSession,
};
