/**
 * A request's fingerprint for idempotency: SHA-256 (or HMAC-SHA-256 with a service key) of its canonical
 * JSON, where object keys are sorted at every depth, so `{a, b}` and `{b, a}` are the same request.
 */
import { createHash, createHmac } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * With a key, the fingerprint is an HMAC: payloads may hold passwords, and a plain hash of a short
 * JSON document with a weak password in it is easy to reverse by guessing.
 */
export function requestFingerprint(payload: unknown, key?: Buffer): string {
  const text = canonicalJson(payload);
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(text).digest('hex');
}
