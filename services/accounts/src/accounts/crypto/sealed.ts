/**
 * Credentials as they are stored in events: AES-256-GCM under the account's data key, bound to the
 * account (owner, id, key id) as additional authenticated data, so a ciphertext copied onto another
 * account does not open. The digest (an HMAC under the same key) lets the decider tell whether new
 * credentials equal the stored ones without seeing either; it is as dead as the ciphertext once the
 * key is shredded.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { canonicalJson } from '@cairn/shared/idempotency';

export interface SealedCredentials {
  /** The data key's id: a purged account's key is gone, and a re-created account gets a new one. */
  readonly kid: string;
  /** base64url: 12-byte nonce, ciphertext, 16-byte tag. */
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
  /** base64url HMAC-SHA-256 of the canonical JSON, under the data key. */
  readonly digest: string;
}

export interface DataKey {
  readonly kid: string;
  readonly key: Buffer;
}

const aad = (ownerId: string, accountId: string, kid: string): Buffer =>
  Buffer.from(`cairn.accounts.credentials\u0000${ownerId}\u0000${accountId}\u0000${kid}`);

export function credentialsDigest(credentials: Record<string, unknown>, key: DataKey): string {
  return createHmac('sha256', key.key).update('digest\u0000').update(canonicalJson(credentials)).digest('base64url');
}

export function sealCredentials(
  credentials: Record<string, unknown>,
  key: DataKey,
  ownerId: string,
  accountId: string,
): SealedCredentials {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(aad(ownerId, accountId, key.kid));
  const ct = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
  return {
    kid: key.kid,
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
    digest: credentialsDigest(credentials, key),
  };
}

/** Throws when the key is not the one the credentials were sealed with, or anything was altered. */
export function openCredentials(
  sealed: SealedCredentials,
  key: DataKey,
  ownerId: string,
  accountId: string,
): Record<string, unknown> {
  if (sealed.kid !== key.kid) throw new Error('credentials were sealed with another data key');
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.iv, 'base64url'));
  decipher.setAAD(aad(ownerId, accountId, key.kid));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}
