/**
 * Credential data keys, one per account, each wrapped (AES-256-GCM) by the master key and kept in
 * `accounts.credential_data_keys`, never in events. Deleting an account's row is crypto-shredding:
 * the ciphertexts in its events stay in the log forever, but nothing can open them any more.
 *
 * Why per account rather than per user (as the issue words it): shredding must reach exactly what is
 * being destroyed. With one key per user, permanently deleting one account could not make its
 * credentials unreadable without re-encrypting the user's other accounts, which would mean rewriting
 * their events (impossible in an append-only log). A per-account key shreds one account alone, and erasing a
 * whole user is still one statement (delete all of their rows).
 *
 * Unwrapped keys are cached in memory (GET by id must not cost a query); a purge drops the entry here
 * and, through the log follower, in every other replica.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { MasterKey } from './master-key.js';
import type { DataKey } from './sealed.js';

export const DATA_KEYS_TABLE = 'credential_data_keys';

export function dataKeysDdl(schema: string): string[] {
  const table = `"${schema}"."${DATA_KEYS_TABLE}"`;
  return [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS ${table} (
      owner_id text NOT NULL,
      account_id text NOT NULL,
      key_id text NOT NULL UNIQUE,
      master_key_id text NOT NULL,
      wrapped_key text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (owner_id, account_id))`,
  ];
}

const MAX_CACHED = 100_000;
const MAX_KEYS_PER_INSERT = 500;

export class DataKeys {
  private readonly table: string;
  private readonly cache = new Map<string, DataKey>();
  private readonly creating = new Map<string, Promise<{ key: DataKey; created: boolean }>>();
  private waiting: WantedKey[] = [];
  private inserting = false;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly master: MasterKey,
  ) {
    this.table = `"${schema}"."${DATA_KEYS_TABLE}"`;
  }

  /** The account's key, made now if it has none (`created` tells which). */
  keyFor(ownerId: string, accountId: string, nowMs: number): Promise<{ key: DataKey; created: boolean }> {
    const slot = cacheKey(ownerId, accountId);
    const cached = this.cache.get(slot);
    if (cached) return Promise.resolve({ key: cached, created: false });
    let pending = this.creating.get(slot);
    if (!pending) {
      pending = this.loadOrCreate(ownerId, accountId, nowMs).finally(() => this.creating.delete(slot));
      this.creating.set(slot, pending);
    }
    return pending;
  }

  /** The account's key, or undefined when it has none (never had credentials, or shredded). */
  async find(ownerId: string, accountId: string): Promise<DataKey | undefined> {
    const slot = cacheKey(ownerId, accountId);
    const cached = this.cache.get(slot);
    if (cached) return cached;
    const { rows } = await this.pool.query<Row>(
      `SELECT key_id, master_key_id, wrapped_key FROM ${this.table} WHERE owner_id = $1 AND account_id = $2`,
      [ownerId, accountId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return this.remember(slot, this.unwrap(row, ownerId, accountId));
  }

  /** Crypto-shredding: the account's key is deleted, here and in the database. */
  async shred(ownerId: string, accountId: string): Promise<void> {
    this.forget(ownerId, accountId);
    await this.pool.query(`DELETE FROM ${this.table} WHERE owner_id = $1 AND account_id = $2`, [ownerId, accountId]);
  }

  /**
   * Shreds the keys made at or before `at` (a purge's time): a safety net for a key a racing write made
   * while the purge ran, which leaves alone the key of an account re-created after the purge.
   */
  async shredMadeBefore(ownerId: string, accountId: string, at: string): Promise<number> {
    this.forget(ownerId, accountId);
    const result = await this.pool.query(
      `DELETE FROM ${this.table} WHERE owner_id = $1 AND account_id = $2 AND created_at <= $3`,
      [ownerId, accountId, at],
    );
    return result.rowCount ?? 0;
  }

  /** Drops the cached key (another replica purged the account). */
  forget(ownerId: string, accountId: string): void {
    this.cache.delete(cacheKey(ownerId, accountId));
  }

  /**
   * Tries to make the key first (most callers are creating the account), reading it only if one
   * exists. Keys asked for while an insert is in flight go together in the next one (a batch of
   * creations with credentials costs a few statements, not one per account).
   */
  private loadOrCreate(ownerId: string, accountId: string, nowMs: number): Promise<{ key: DataKey; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ownerId, accountId, nowMs, resolve, reject });
      if (!this.inserting) {
        this.inserting = true;
        queueMicrotask(() => void this.insertWaiting());
      }
    });
  }

  private async insertWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_KEYS_PER_INSERT);
      try {
        await this.insert(batch);
      } catch (error) {
        for (const wanted of batch) wanted.reject(error);
      }
    }
    this.inserting = false;
  }

  private async insert(batch: readonly WantedKey[]): Promise<void> {
    const keys = batch.map((): DataKey => ({ kid: randomBytes(12).toString('base64url'), key: randomBytes(32) }));
    const { rows } = await this.pool.query<{ owner_id: string; account_id: string }>(
      `INSERT INTO ${this.table} (owner_id, account_id, key_id, master_key_id, wrapped_key, created_at)
       SELECT owner_id, account_id, key_id, $4, wrapped_key, created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $5::text[], $6::timestamptz[])
         AS k(owner_id, account_id, key_id, wrapped_key, created_at)
       ON CONFLICT (owner_id, account_id) DO NOTHING
       RETURNING owner_id, account_id`,
      [
        batch.map((w) => w.ownerId),
        batch.map((w) => w.accountId),
        keys.map((k) => k.kid),
        this.master.id,
        batch.map((w, i) => this.wrap(keys[i]!, w.ownerId, w.accountId)),
        batch.map((w) => new Date(w.nowMs).toISOString()),
      ],
    );
    const made = new Set(rows.map((row) => cacheKey(row.owner_id, row.account_id)));
    await Promise.all(
      batch.map(async (wanted, i) => {
        const slot = cacheKey(wanted.ownerId, wanted.accountId);
        try {
          if (made.has(slot)) return wanted.resolve({ key: this.remember(slot, keys[i]!), created: true });
          // Another replica made one first: use theirs.
          const theirs = await this.find(wanted.ownerId, wanted.accountId);
          if (!theirs) throw new Error('credential data key vanished while being created');
          wanted.resolve({ key: theirs, created: false });
        } catch (error) {
          wanted.reject(error);
        }
      }),
    );
  }

  private wrap(key: DataKey, ownerId: string, accountId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master.key, iv);
    cipher.setAAD(wrapAad(key.kid, ownerId, accountId));
    const ct = Buffer.concat([cipher.update(key.key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }

  private unwrap(row: Row, ownerId: string, accountId: string): DataKey {
    if (row.master_key_id !== this.master.id) {
      throw new Error(
        `the credential data key of an account was wrapped by master key ${row.master_key_id}, not the configured ${this.master.id}`,
      );
    }
    const blob = Buffer.from(row.wrapped_key, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.master.key, blob.subarray(0, 12));
    decipher.setAAD(wrapAad(row.key_id, ownerId, accountId));
    decipher.setAuthTag(blob.subarray(12, 28));
    const key = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
    return { kid: row.key_id, key };
  }

  private remember(slot: string, key: DataKey): DataKey {
    this.cache.delete(slot);
    this.cache.set(slot, key);
    if (this.cache.size > MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return key;
  }
}

interface WantedKey {
  readonly ownerId: string;
  readonly accountId: string;
  readonly nowMs: number;
  readonly resolve: (made: { key: DataKey; created: boolean }) => void;
  readonly reject: (error: unknown) => void;
}

interface Row {
  key_id: string;
  master_key_id: string;
  wrapped_key: string;
}

const cacheKey = (ownerId: string, accountId: string): string => `${ownerId}\u0000${accountId}`;
const wrapAad = (kid: string, ownerId: string, accountId: string): Buffer =>
  Buffer.from(`cairn.accounts.data-key\u0000${ownerId}\u0000${accountId}\u0000${kid}`);
