/**
 * WeChat's `session_key` (needed to decrypt data the mini-program sends later) is kept here only: never
 * in events, logs, integration events or answers. One row per openid, replaced on every login.
 */
import type { Pool } from 'pg';

export const wechatSessionKeysDdl = (schema: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${schema}.wechat_session_keys (
     openid text PRIMARY KEY,
     user_id text NOT NULL,
     session_key text NOT NULL,
     unionid text,
     updated_at timestamptz NOT NULL DEFAULT now())`,
];

export interface WechatSessionKeys {
  save(entry: { openid: string; userId: string; sessionKey: string; unionid?: string | undefined }): Promise<void>;
  find(openid: string): Promise<{ userId: string; sessionKey: string } | undefined>;
}

export function createWechatSessionKeys(pool: Pool, schema: string): WechatSessionKeys {
  const table = `${schema}.wechat_session_keys`;
  return {
    async save({ openid, userId, sessionKey, unionid }) {
      await pool.query(
        `INSERT INTO ${table} (openid, user_id, session_key, unionid) VALUES ($1, $2, $3, $4)
         ON CONFLICT (openid) DO UPDATE SET user_id = $2, session_key = $3, unionid = coalesce($4, ${table}.unionid), updated_at = now()`,
        [openid, userId, sessionKey, unionid ?? null],
      );
    },
    async find(openid) {
      const { rows } = await pool.query<{ user_id: string; session_key: string }>(
        `SELECT user_id, session_key FROM ${table} WHERE openid = $1`,
        [openid],
      );
      const row = rows[0];
      return row ? { userId: row.user_id, sessionKey: row.session_key } : undefined;
    },
  };
}
