/**
 * The sessions read model (`auth.sessions`): which sessions a user has open (to revoke them when the
 * user is disabled) and which revoked sessions may still have unexpired access tokens (for gateways).
 * No token hashes here: refreshes read the session's own stream.
 */
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { Projection } from '@cairn/shared/projections';
import type { Queryable } from '../db.js';
import { SESSION_EVENT_TYPES, SESSION_STREAM_PREFIX, type SessionEvent } from './session.js';

export const SESSIONS_PROJECTION = 'auth-sessions';

export const sessionsProjection: Projection = {
  name: SESSIONS_PROJECTION,
  tables: {
    sessions: (t, physical) => `CREATE TABLE IF NOT EXISTS ${t} (
      session_id text PRIMARY KEY,
      user_id text NOT NULL,
      user_type text NOT NULL,
      org_id text,
      method text NOT NULL,
      status text NOT NULL,
      started_at timestamptz NOT NULL,
      last_refreshed_at timestamptz,
      refresh_expires_at timestamptz NOT NULL,
      access_expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      revoke_reason text);
    CREATE INDEX IF NOT EXISTS ${physical}_by_user ON ${t} (user_id) WHERE status = 'active';
    CREATE INDEX IF NOT EXISTS ${physical}_revoked ON ${t} (access_expires_at) WHERE status = 'revoked'`,
  },
  streamPrefixes: [SESSION_STREAM_PREFIX],
  eventTypes: SESSION_EVENT_TYPES,
  async handle(events, ctx) {
    const sessions = ctx.table('sessions');
    for (const recorded of events) {
      const id = recorded.streamName.slice(SESSION_STREAM_PREFIX.length);
      const e = recorded as RecordedEvent<SessionEvent> as SessionEvent;
      switch (e.type) {
        case 'SessionStarted':
          await ctx.client.query(
            `INSERT INTO ${sessions} (session_id, user_id, user_type, org_id, method, status, started_at, refresh_expires_at, access_expires_at)
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8) ON CONFLICT (session_id) DO NOTHING`,
            [
              id,
              e.data.userId,
              e.data.userType,
              e.data.orgId,
              e.data.method,
              e.data.at,
              e.data.refreshExpiresAt,
              e.data.accessExpiresAt,
            ],
          );
          break;
        case 'SessionRefreshed':
          await ctx.client.query(
            `UPDATE ${sessions} SET last_refreshed_at = $2, refresh_expires_at = $3,
               access_expires_at = greatest(access_expires_at, $4) WHERE session_id = $1`,
            [id, e.data.at, e.data.refreshExpiresAt, e.data.accessExpiresAt],
          );
          break;
        case 'SessionRefreshRepeated':
          await ctx.client.query(
            `UPDATE ${sessions} SET access_expires_at = greatest(access_expires_at, $2) WHERE session_id = $1`,
            [id, e.data.accessExpiresAt],
          );
          break;
        case 'SessionRevoked':
          await ctx.client.query(
            `UPDATE ${sessions} SET status = 'revoked', revoked_at = $2, revoke_reason = $3 WHERE session_id = $1`,
            [id, e.data.at, e.data.reason],
          );
          break;
        default: {
          const unknown: never = e;
          throw new Error(`unexpected session event ${(unknown as SessionEvent).type}`);
        }
      }
    }
  },
};

export async function activeSessionsOf(db: Queryable, table: string, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ session_id: string }>(
    `SELECT session_id FROM ${table} WHERE user_id = $1 AND status = 'active'`,
    [userId],
  );
  return rows.map((r) => r.session_id);
}

export async function revokedUnexpiredSessions(
  db: Queryable,
  table: string,
): Promise<{ sessionId: string; expiresAt: number }[]> {
  const { rows } = await db.query<{ session_id: string; access_expires_at: Date }>(
    `SELECT session_id, access_expires_at FROM ${table}
      WHERE status = 'revoked' AND access_expires_at > now() ORDER BY access_expires_at`,
  );
  return rows.map((r) => ({ sessionId: r.session_id, expiresAt: r.access_expires_at.getTime() }));
}
