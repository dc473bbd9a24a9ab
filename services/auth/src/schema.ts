/** The auth service's own tables besides events and read models, created once under an advisory lock. */
import { withTransaction } from '@cairn/shared/postgres';
import type { Pool } from 'pg';
import { AUTH_SCHEMA } from './db.js';
import { loginThrottleDdl } from './logins/throttle.js';
import { keyStoreDdl } from './tokens/keyStore.js';
import { wechatSessionKeysDdl } from './wechat/sessionKeys.js';

export async function migrateAuthTables(pool: Pool, schema: string = AUTH_SCHEMA): Promise<void> {
  await withTransaction(
    pool,
    async (client) => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      for (const statement of [...keyStoreDdl(schema), ...loginThrottleDdl(schema), ...wechatSessionKeysDdl(schema)]) {
        await client.query(statement);
      }
    },
    { advisoryLock: `cairn.${schema}.tables` },
  );
}
