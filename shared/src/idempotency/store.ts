/**
 * Idempotent RPC operations (CONTRACT.md: `Idempotency-Key` on any POST). Wrap a handler with
 * `store.wrap(operation, handler)`: when the request context carries an idempotency key, the first call
 * with (actor, operation, key) records a pending row — the primary key makes exactly one caller win —
 * runs the handler and stores its reply, success or domain error. A repeat with the same payload gets
 * the stored reply (waiting briefly while the first is still running); a repeat with another payload
 * is refused with 422 IDEMPOTENCY_KEY_REUSED. Rows expire after a day.
 *
 * A failure that is not a domain error (a crash, a lost database) deletes the pending row instead of
 * storing it: the outcome is unknown, and the client's retry should be allowed to try again.
 */
import type { Pool } from 'pg';
import type { RequestContext, RpcHandler, RpcReply } from '../bus/port.js';
import { DomainError, type ErrorCode } from '../http/errors.js';
import { withTransaction } from '../postgres/transaction.js';
import { requestFingerprint } from './canonical.js';

export interface IdempotencyStoreOptions {
  readonly pool: Pool;
  /** The owning service's schema (already validated as an identifier by the caller's store). */
  readonly schema: string;
  /** How long a stored reply is honoured. Default 24 h. */
  readonly ttlMs?: number;
  /** How long a repeat waits for the first call to finish before answering 409 CONFLICT. Default 5 s. */
  readonly pendingWaitMs?: number;
  /** A pending row older than this belongs to a caller that died; a repeat takes it over. Default 60 s. */
  readonly abandonedAfterMs?: number;
  /** Key for HMAC fingerprints (recommended where payloads hold secrets); plain SHA-256 without one. */
  readonly fingerprintKey?: Buffer;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const POLL_MS = 25;
const DAY_MS = 24 * 3600 * 1000;

type Claim = { readonly kind: 'run' } | { readonly kind: 'replay'; readonly reply: RpcReply };

interface Row {
  request_hash: string;
  status: 'pending' | 'done';
  reply: RpcReply | null;
  expired: boolean;
  abandoned: boolean;
  /** As text: a JS Date would drop the microseconds that the compare-and-set statements compare. */
  updated_at: string;
  created_at: string;
}

export class IdempotencyStore {
  private readonly table: string;
  private readonly ttlMs: number;
  private readonly pendingWaitMs: number;
  private readonly abandonedAfterMs: number;

  constructor(private readonly options: IdempotencyStoreOptions) {
    if (!IDENTIFIER.test(options.schema)) throw new Error(`not a valid schema name: ${options.schema}`);
    this.table = `"${options.schema}".idempotency_keys`;
    this.ttlMs = options.ttlMs ?? DAY_MS;
    this.pendingWaitMs = options.pendingWaitMs ?? 5_000;
    this.abandonedAfterMs = options.abandonedAfterMs ?? 60_000;
  }

  /** Creates the table (idempotent; serialised so replicas starting together do not race). */
  async init(): Promise<void> {
    await withTransaction(
      this.options.pool,
      async (client) => {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.options.schema}"`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          actor_id text NOT NULL,
          operation text NOT NULL,
          idempotency_key text NOT NULL,
          request_hash text NOT NULL,
          status text NOT NULL CHECK (status IN ('pending', 'done')),
          reply jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (actor_id, operation, idempotency_key))`);
        await client.query(`CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON ${this.table} (created_at)`);
      },
      { advisoryLock: `cairn.idempotency.init.${this.options.schema}` },
    );
  }

  /** The handler, made idempotent for requests that carry an idempotency key. */
  wrap<Req, Res>(operation: string, handler: RpcHandler<Req, Res>): RpcHandler<Req, Res> {
    return async (payload: Req, context: RequestContext): Promise<Res> => {
      const key = context.idempotencyKey;
      if (!key) return handler(payload, context);
      const id = { actorId: context.actor?.id ?? 'anonymous', operation, key };
      const hash = requestFingerprint(payload, this.options.fingerprintKey);
      const claim = await this.claim(id, hash, context.deadline);
      if (claim.kind === 'replay') return replay<Res>(claim.reply);

      let result: Res;
      try {
        result = await handler(payload, context);
      } catch (error) {
        if (error instanceof DomainError) {
          await this.complete(id, {
            ok: false,
            error: {
              code: error.code,
              message: error.message,
              ...(error.details === undefined ? {} : { details: error.details }),
            },
          });
        } else {
          await this.release(id);
        }
        throw error;
      }
      await this.complete(id, { ok: true, data: result });
      return result;
    };
  }

  /** Deletes expired rows; returns how many. Run it now and then (see `startPurging`). */
  async purgeExpired(): Promise<number> {
    const result = await this.options.pool.query(
      `DELETE FROM ${this.table} WHERE created_at < now() - make_interval(secs => $1)`,
      [this.ttlMs / 1000],
    );
    return result.rowCount ?? 0;
  }

  /** Purges every `intervalMs` (default hourly) until the returned function is called. */
  startPurging(intervalMs = 3600_000, onError: (error: unknown) => void = () => undefined): () => void {
    const timer = setInterval(() => void this.purgeExpired().catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async claim(id: KeyId, hash: string, deadline: number | undefined): Promise<Claim> {
    const waitUntil = Math.min(Date.now() + this.pendingWaitMs, deadline ?? Number.POSITIVE_INFINITY);
    const { pool } = this.options;
    for (;;) {
      const inserted = await pool.query(
        `INSERT INTO ${this.table} (actor_id, operation, idempotency_key, request_hash, status)
         VALUES ($1, $2, $3, $4, 'pending') ON CONFLICT DO NOTHING`,
        [id.actorId, id.operation, id.key, hash],
      );
      if (inserted.rowCount === 1) return { kind: 'run' };

      const found = await pool.query<Row>(
        `SELECT request_hash, status, reply, created_at::text AS created_at, updated_at::text AS updated_at,
                created_at < now() - make_interval(secs => $4) AS expired,
                updated_at < now() - make_interval(secs => $5) AS abandoned
           FROM ${this.table} WHERE actor_id = $1 AND operation = $2 AND idempotency_key = $3`,
        [id.actorId, id.operation, id.key, this.ttlMs / 1000, this.abandonedAfterMs / 1000],
      );
      const row = found.rows[0];
      if (!row) continue; // deleted (expired or released) between the two statements: claim again
      if (row.expired) {
        await pool.query(
          `DELETE FROM ${this.table} WHERE actor_id = $1 AND operation = $2 AND idempotency_key = $3 AND created_at = $4::timestamptz`,
          [id.actorId, id.operation, id.key, row.created_at],
        );
        continue;
      }
      if (row.request_hash !== hash) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used with a different request');
      }
      if (row.status === 'done' && row.reply) return { kind: 'replay', reply: row.reply };
      if (row.abandoned) {
        // Compare-and-set on updated_at: of several callers finding it abandoned, one takes it over.
        const taken = await pool.query(
          `UPDATE ${this.table} SET updated_at = now()
            WHERE actor_id = $1 AND operation = $2 AND idempotency_key = $3 AND status = 'pending' AND updated_at = $4::timestamptz`,
          [id.actorId, id.operation, id.key, row.updated_at],
        );
        if (taken.rowCount === 1) return { kind: 'run' };
        continue;
      }
      if (Date.now() >= waitUntil) {
        throw new DomainError('CONFLICT', 'A request with this idempotency key is still in progress; retry later');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async complete(id: KeyId, reply: RpcReply): Promise<void> {
    await this.options.pool.query(
      `UPDATE ${this.table} SET status = 'done', reply = $4, updated_at = now()
        WHERE actor_id = $1 AND operation = $2 AND idempotency_key = $3`,
      [id.actorId, id.operation, id.key, JSON.stringify(reply)],
    );
  }

  private async release(id: KeyId): Promise<void> {
    await this.options.pool
      .query(
        `DELETE FROM ${this.table} WHERE actor_id = $1 AND operation = $2 AND idempotency_key = $3 AND status = 'pending'`,
        [id.actorId, id.operation, id.key],
      )
      .catch(() => undefined);
  }
}

interface KeyId {
  readonly actorId: string;
  readonly operation: string;
  readonly key: string;
}

function replay<Res>(reply: RpcReply): Res {
  if (reply.ok) return reply.data as Res;
  throw new DomainError(reply.error.code as ErrorCode, reply.error.message, reply.error.details);
}
