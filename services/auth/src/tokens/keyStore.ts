/**
 * The service's secrets, kept in its own schema so every replica and every restart uses the same ones:
 * the Ed25519 key pair that signs access tokens (only the public half ever leaves, as the JWKS) and the
 * HMAC key that derives each refresh token's successor. Made once, on the first start, under an
 * advisory lock so two replicas starting together agree on one.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { withTransaction } from '@cairn/shared/postgres';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Pool } from 'pg';

export const keyStoreDdl = (schema: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${schema}.signing_keys (
     kid text PRIMARY KEY,
     private_jwk jsonb NOT NULL,
     public_jwk jsonb NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS ${schema}.secrets (
     name text PRIMARY KEY,
     value bytea NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
];

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** Public JWK with `kid`, `alg` and `use`, as published in the JWKS. */
  readonly publicJwk: JWK;
}

export interface ServiceKeys {
  readonly signing: SigningKey;
  /** Every public key still accepted (the current one; older ones would stay here during a rotation). */
  readonly jwks: { keys: JWK[] };
  readonly refreshTokenKey: Buffer;
}

export async function loadOrCreateKeys(pool: Pool, schema: string): Promise<ServiceKeys> {
  return withTransaction(
    pool,
    async (client) => {
      let rows = (
        await client.query<{ kid: string; private_jwk: JWK; public_jwk: JWK }>(
          `SELECT kid, private_jwk, public_jwk FROM ${schema}.signing_keys ORDER BY created_at DESC`,
        )
      ).rows;
      if (rows.length === 0) {
        const { privateKey } = generateKeyPairSync('ed25519');
        const privateJwk = privateKey.export({ format: 'jwk' }) as JWK;
        const bare = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
        const kid = await calculateJwkThumbprint(bare);
        const publicJwk: JWK = { ...bare, kid, alg: 'EdDSA', use: 'sig' };
        await client.query(`INSERT INTO ${schema}.signing_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)`, [
          kid,
          privateJwk,
          publicJwk,
        ]);
        rows = [{ kid, private_jwk: privateJwk, public_jwk: publicJwk }];
      }
      const current = rows[0]!;
      await client.query(
        `INSERT INTO ${schema}.secrets (name, value) VALUES ('refresh-token-key', $1) ON CONFLICT (name) DO NOTHING`,
        [randomBytes(32)],
      );
      const secret = await client.query<{ value: Buffer }>(
        `SELECT value FROM ${schema}.secrets WHERE name = 'refresh-token-key'`,
      );
      return {
        signing: {
          kid: current.kid,
          privateKey: createPrivateKey({ key: current.private_jwk as JsonWebKey, format: 'jwk' }),
          publicJwk: current.public_jwk,
        },
        jwks: { keys: rows.map((r) => r.public_jwk) },
        refreshTokenKey: secret.rows[0]!.value,
      };
    },
    { advisoryLock: `${schema}.keys` },
  );
}
