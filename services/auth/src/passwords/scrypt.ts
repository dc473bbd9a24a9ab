/**
 * Password hashing with scrypt (memory-hard, built into Node, runs on the libuv pool so the event loop
 * keeps serving). Stored as `scrypt$N$r$p$salt$hash` (salt and hash base64url), so a hash made with an
 * older cost still verifies after the cost is raised.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

// scrypt needs about 128·N·r bytes; Node refuses above `maxmem` (32 MiB by default, exactly N=2^15, r=8),
// so allow twice the need.
const maxmemFor = ({ N, r }: ScryptParams): number => 2 * 128 * N * r + 1024 * 1024;

function derive(password: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { N: params.N, r: params.r, p: params.p, maxmem: maxmemFor(params) },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison; false for a malformed stored hash rather than an exception. */
  verify(password: string, stored: string): Promise<boolean>;
  /**
   * Burn the same time as a real verification, for a username that does not exist, so response time
   * does not tell which usernames are registered.
   */
  verifyNothing(password: string): Promise<false>;
}

/** `cost` is log2 N (15 → N = 32768, about 32 MiB and tens of milliseconds per hash). */
export function createPasswordHasher(cost: number): PasswordHasher {
  const params: ScryptParams = { N: 2 ** cost, r: BLOCK_SIZE, p: PARALLELISM };
  const dummySalt = randomBytes(SALT_LENGTH);

  async function hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, params, KEY_LENGTH);
    return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async function verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
    return timingSafeEqual(key, parsed.key);
  }

  async function verifyNothing(password: string): Promise<false> {
    await derive(password, dummySalt, params, KEY_LENGTH);
    return false;
  }

  return { hash, verify, verifyNothing };
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const validN = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0 && N <= 2 ** 22;
  if (!validN || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { params: { N, r, p }, salt, key };
}
