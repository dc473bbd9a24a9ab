/**
 * The master key that wraps every account's data key. It comes from CAIRN_ACCOUNTS_MASTER_KEY and is
 * never stored beside the data it protects, except in development: with the variable unset and
 * NODE_ENV not production, a development key is made once and kept in the accounts schema (so
 * restarts can still read credentials), with a loud warning, because anyone who can read the database
 * can then read every credential. In production an unset key refuses the start.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '@cairn/shared/logging';
import { withTransaction } from '@cairn/shared/postgres';
import type { Pool } from 'pg';

export interface MasterKey {
  readonly key: Buffer;
  /** Fingerprint stored with each wrapped data key, so a wrong master key is named, not guessed at. */
  readonly id: string;
}

export const masterKeyOf = (key: Buffer): MasterKey => ({
  key,
  id: createHash('sha256').update('cairn.accounts.master-key\u0000').update(key).digest('hex').slice(0, 16),
});

export const DEV_MASTER_KEY_TABLE = 'credentials_dev_master_key';

export async function loadMasterKey(options: {
  readonly pool: Pool;
  readonly schema: string;
  readonly configured: Buffer | undefined;
  readonly production: boolean;
  readonly logger: Logger;
}): Promise<MasterKey> {
  const { pool, schema, configured, production, logger } = options;
  if (configured) return masterKeyOf(configured);
  if (production) {
    throw new Error(
      'CAIRN_ACCOUNTS_MASTER_KEY is not set: in production the accounts service needs a master key ' +
        '(base64 of 32 random bytes, e.g. `openssl rand -base64 32`) to encrypt account credentials',
    );
  }
  const table = `"${schema}"."${DEV_MASTER_KEY_TABLE}"`;
  const key = await withTransaction(
    pool,
    async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())`);
      // Replicas starting together (serialised by the lock) agree on the first key made.
      await client.query(`INSERT INTO ${table} (key) VALUES ($1) ON CONFLICT DO NOTHING`, [
        randomBytes(32).toString('base64'),
      ]);
      const { rows } = await client.query<{ key: string }>(`SELECT key FROM ${table}`);
      return rows[0]!.key;
    },
    { advisoryLock: `cairn.accounts.dev-master-key.${schema}` },
  );
  logger.warn(
    { table },
    '!!! CAIRN_ACCOUNTS_MASTER_KEY is not set: account credentials are encrypted with a DEVELOPMENT master key ' +
      'stored in the database itself, which protects nothing. Set CAIRN_ACCOUNTS_MASTER_KEY (base64 of 32 random ' +
      'bytes) before storing real credentials; production refuses to start without it. !!!',
  );
  return masterKeyOf(Buffer.from(key, 'base64'));
}
