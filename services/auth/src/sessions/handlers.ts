/**
 * Sessions: start one after a login, rotate its refresh token, revoke it. A revocation is announced on
 * `SESSION_REVOKED_SUBJECT` before the caller gets an answer, so by the time a client hears "logged out"
 * every gateway has been told to refuse the session's access tokens.
 */
import type { RequestContext } from '@cairn/shared/bus';
import { SESSION_REVOKED_SUBJECT, type SessionResult, type User } from '@cairn/shared/contracts';
import { DomainError, unauthorized } from '@cairn/shared/http';
import { type AuthRuntime, execute, isoAt } from '../runtime.js';
import { hashRefreshToken, newRefreshToken, parseRefreshToken, successorOf } from '../tokens/refreshTokens.js';
import type { ExistingUser } from '../users/user.js';
import { invalidRefreshToken, sessionDecider } from './decide.js';
import { activeSessionsOf, revokedUnexpiredSessions, SESSIONS_PROJECTION } from './readModel.js';
import { type KnownSession, type RevokeReason, type SessionMethod, sessionStream } from './session.js';

const encoder = new TextEncoder();

export async function startSession(
  rt: AuthRuntime,
  user: ExistingUser,
  method: SessionMethod,
  context: RequestContext,
): Promise<SessionResult> {
  const now = rt.now();
  const sessionId = rt.newId();
  const refreshToken = newRefreshToken(sessionId);
  const accessExpiresAt = rt.accessTokens.expiryFor(now);
  await execute(
    rt,
    sessionStream(sessionId),
    sessionDecider,
    {
      type: 'StartSession',
      sessionId,
      userId: user.id,
      userType: user.userType,
      orgId: user.orgId,
      method,
      refreshTokenHash: hashRefreshToken(refreshToken),
      refreshExpiresAt: isoAt(now + rt.config.refreshTokenTtlSeconds * 1000),
      accessExpiresAt: isoAt(accessExpiresAt),
      now: isoAt(now),
    },
    context,
    now,
  );
  return sessionResult(rt, user, sessionId, refreshToken, now, await rt.directory.toView(user));
}

async function sessionResult(
  rt: AuthRuntime,
  user: ExistingUser,
  sessionId: string,
  refreshToken: string,
  now: number,
  view: User,
): Promise<SessionResult> {
  const access = await rt.accessTokens.issue(
    { userId: user.id, sessionId, userType: user.userType, orgId: user.orgId },
    now,
  );
  return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, sessionId, user: view };
}

export async function refreshSession(
  rt: AuthRuntime,
  presented: string,
  context: RequestContext,
): Promise<SessionResult> {
  const parsed = parseRefreshToken(presented);
  if (!parsed) throw invalidRefreshToken();
  const now = rt.now();
  const successor = successorOf(parsed, rt.keys.refreshTokenKey);
  const result = await execute(
    rt,
    sessionStream(parsed.sessionId),
    sessionDecider,
    {
      type: 'RefreshSession',
      presentedTokenHash: hashRefreshToken(parsed.token),
      nextTokenHash: hashRefreshToken(successor),
      refreshExpiresAt: isoAt(now + rt.config.refreshTokenTtlSeconds * 1000),
      accessExpiresAt: isoAt(rt.accessTokens.expiryFor(now)),
      reuseGraceMs: rt.config.refreshReuseGraceMs,
      now: isoAt(now),
    },
    context,
    now,
  );
  const session = result.state as KnownSession;
  if (result.newEvents.some((e) => e.type === 'SessionRevoked')) {
    announceRevocation(rt, session);
    rt.logger.warn({ sessionId: session.sessionId, userId: session.userId }, 'refresh token reused; session revoked');
    await rt.readModels.waitFor(SESSIONS_PROJECTION, result.append?.position);
    throw new DomainError('UNAUTHORIZED', 'This refresh token was already used; the session has been revoked');
  }
  // The user may have been disabled since the session started: its sessions are revoked then, but a
  // refresh racing that must not mint a fresh token.
  const user = await rt.directory.users.fresh(session.userId);
  if (user.kind === 'absent' || user.status !== 'active') {
    await revokeSession(rt, session.sessionId, 'user_disabled', context);
    throw unauthorized('Your account is not active');
  }
  return sessionResult(rt, user, session.sessionId, successor, now, await rt.directory.toView(user));
}

/** Revokes a session (idempotent), announces it to the gateways, and waits for the read model. */
export async function revokeSession(
  rt: AuthRuntime,
  sessionId: string,
  reason: RevokeReason,
  context: RequestContext | undefined,
): Promise<KnownSession> {
  const now = rt.now();
  const result = await execute(
    rt,
    sessionStream(sessionId),
    sessionDecider,
    { type: 'RevokeSession', reason, now: isoAt(now) },
    context,
    now,
  );
  const session = result.state as KnownSession;
  announceRevocation(rt, session);
  await rt.readModels.waitFor(SESSIONS_PROJECTION, result.append?.position);
  return session;
}

function announceRevocation(rt: AuthRuntime, session: KnownSession): void {
  const notice = { sessionId: session.sessionId, expiresAt: Date.parse(session.accessExpiresAt) };
  rt.bus.publish(SESSION_REVOKED_SUBJECT, encoder.encode(JSON.stringify(notice)));
}

export async function logout(rt: AuthRuntime, context: RequestContext): Promise<{ sessionId: string; revoked: true }> {
  const actor = context.actor;
  if (actor?.kind !== 'user' || !actor.sessionId) throw unauthorized();
  const current = await rt.store.readStream(sessionStream(actor.sessionId));
  const owner = current.events[0]?.data as { userId?: string } | undefined;
  // Someone else's session id in a token would mean a forged token; answer as for no session at all.
  if (!owner || owner.userId !== actor.id) throw unauthorized('Unknown session');
  await revokeSession(rt, actor.sessionId, 'logout', context);
  return { sessionId: actor.sessionId, revoked: true };
}

/** Every open session of a user, revoked (when the user is disabled). */
export async function revokeSessionsOfUser(
  rt: AuthRuntime,
  userId: string,
  context: RequestContext | undefined,
): Promise<number> {
  const table = rt.readModels.table(SESSIONS_PROJECTION, 'sessions');
  const ids = await activeSessionsOf(rt.pool, table, userId);
  for (const id of ids) await revokeSession(rt, id, 'user_disabled', context);
  return ids.length;
}

export async function listRevokedSessions(
  rt: AuthRuntime,
): Promise<{ sessions: { sessionId: string; expiresAt: number }[] }> {
  const table = rt.readModels.table(SESSIONS_PROJECTION, 'sessions');
  return { sessions: await revokedUnexpiredSessions(rt.pool, table) };
}
