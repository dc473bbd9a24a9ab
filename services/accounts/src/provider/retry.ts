/**
 * How the provider client retries: a transient failure (network, timeout, 408, 429, 5xx) is tried
 * again after a small exponential backoff, or after the provider's `Retry-After` when it asks for a
 * wait the caller can afford; anything else ends the attempts at once. A request deadline bounds the
 * whole exchange, so the account handler still has time to record the outcome.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderFailed } from './port.js';

/** What one HTTP attempt concluded. */
export type Attempt<T> =
  | { readonly kind: 'done'; readonly outcome: T }
  | { readonly kind: 'transient'; readonly reason: string; readonly status?: number; readonly retryAfterMs?: number };

export interface RetryPolicy {
  /** Attempts after the first one. */
  readonly retries: number;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** The first backoff; each next one doubles (with jitter). */
  readonly backoffMs: number;
  /** A longer `Retry-After` is not waited for: the attempts end as failed. */
  readonly maxRetryAfterMs: number;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

export interface AttemptReport {
  readonly attempt: number;
  readonly reason: string;
  readonly status?: number;
}

/**
 * Runs `attempt(timeoutMs, attemptNumber)` until it is done, retries are spent, or the deadline
 * leaves no room. `onTransient` hears about each transient failure (for logs).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  deadline: number | undefined,
  attempt: (timeoutMs: number, attemptNumber: number) => Promise<Attempt<T>>,
  onTransient: (report: AttemptReport) => void,
): Promise<T | ProviderFailed> {
  const wait = policy.sleep ?? sleep;
  let lastReason: string | undefined;
  for (let n = 1; ; n++) {
    const remaining = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - policy.now();
    if (remaining <= 0) {
      if (lastReason === undefined) return { kind: 'failed', reason: 'deadline reached before asking', attempts: 0 };
      return failed(lastReason, n - 1, 'deadline reached');
    }
    const result = await attempt(Math.min(policy.timeoutMs, remaining), n);
    if (result.kind === 'done') return result.outcome;
    lastReason = result.reason;
    onTransient({
      attempt: n,
      reason: result.reason,
      ...(result.status !== undefined ? { status: result.status } : {}),
    });
    if (n > policy.retries) return failed(result.reason, n);
    if (result.retryAfterMs !== undefined && result.retryAfterMs > policy.maxRetryAfterMs) {
      return failed(result.reason, n, `provider asked to wait ${Math.ceil(result.retryAfterMs / 1000)} s`);
    }
    const pause = Math.max(backoffDelay(policy.backoffMs, n), result.retryAfterMs ?? 0);
    if (deadline !== undefined && policy.now() + pause >= deadline) return failed(result.reason, n, 'deadline reached');
    await wait(pause);
  }
}

function failed(reason: string, attempts: number, why?: string): ProviderFailed {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  return { kind: 'failed', reason: `${reason} (${tries}${why ? `; ${why}` : ''})`, attempts };
}

/** `base · 2^(n−1)`, between half and all of it so that many clients do not retry in step. */
export function backoffDelay(baseMs: number, attemptNumber: number): number {
  const full = baseMs * 2 ** (attemptNumber - 1);
  return Math.round(full / 2 + (Math.random() * full) / 2);
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Undefined when absent or
 * unreadable; a date in the past is no wait.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date names its weekday and month; without letters, Date.parse would take "-3" for a year.
  const at = /[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
