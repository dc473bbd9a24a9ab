/**
 * Refresh tokens are opaque: `<sessionId>.<secret>` with a 256-bit secret. Only a SHA-256 hash is ever
 * stored (the secret has full entropy, so a fast hash is as good as a slow one here).
 *
 * A token's successor is derived, not drawn: HMAC(server key, token). Two refreshes sent at once with
 * the same token then get the same new token, so a client racing itself is not mistaken for a thief,
 * while nobody without the server key can compute a successor.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

const SECRET_BYTES = 32;

export interface ParsedRefreshToken {
  readonly sessionId: string;
  readonly token: string;
}

export const newRefreshToken = (sessionId: string): string =>
  `${sessionId}.${randomBytes(SECRET_BYTES).toString('base64url')}`;

export function successorOf(token: ParsedRefreshToken, key: Buffer): string {
  const secret = createHmac('sha256', key).update(token.token).digest('base64url');
  return `${token.sessionId}.${secret}`;
}

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Undefined for anything that is not shaped like one of our tokens. */
export function parseRefreshToken(token: string): ParsedRefreshToken | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const sessionId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!/^[A-Za-z0-9-]{1,100}$/.test(sessionId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { sessionId, token };
}
