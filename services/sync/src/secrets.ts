/**
 * A random key made once per installation and shared by every replica through the sync schema: push
 * payloads are fingerprinted with it (they may hold credentials), and the fingerprint of a repeated push
 * must be the same in any replica and after a restart, or the repeat would be refused instead of answered.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { SyncTables } from './changelog/schema.js';

export async function installationKey(pool: Pool, tables: SyncTables, name: string): Promise<Buffer> {
  await pool.query(`INSERT INTO ${tables.secrets} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
    name,
    randomBytes(32),
  ]);
  const { rows } = await pool.query<{ value: Buffer }>(`SELECT value FROM ${tables.secrets} WHERE name = $1`, [name]);
  const key = rows[0]?.value;
  if (!key) throw new Error(`the ${name} key could not be read back`);
  return key;
}
