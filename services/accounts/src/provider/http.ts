/**
 * The account provider over HTTP. Refresh is the OAuth2 refresh-token grant (RFC 6749 §6): a form
 * POST to the token URL, the client authenticated with HTTP Basic when it has a secret (§2.3.1) or
 * named by `client_id` when it has none, answered `{access_token, refresh_token?, expires_in?}`.
 * Usage is a GET with the access token as a Bearer token, answered `{used, limit}`.
 *
 * How answers map to outcomes:
 * - 2xx with a valid body → refreshed / usage; an invalid body → failed, not retried (a refresh the
 *   provider has already carried out may have rotated the token, so asking again proves nothing).
 * - 400/401 → rejected (the account's credentials are refused), except the OAuth2 errors that blame
 *   our client registration (`invalid_client`, ...) → failed: a server misconfiguration must not
 *   mark every account expired. Usage: 401 → rejected.
 * - 408, 429, 5xx, timeouts and network errors → retried (see retry.ts), then failed.
 * - any other status → failed at once.
 * Tokens and client secrets never reach a log line or an outcome's reason.
 */
import type { Logger } from '@cairn/shared/logging';
import { z } from 'zod';
import type {
  AccountProvider,
  ProviderFailed,
  RefreshOutcome,
  RefreshTokenInput,
  UsageInput,
  UsageOutcome,
} from './port.js';
import { type Attempt, retryAfterMs, withRetries } from './retry.js';

export interface HttpAccountProviderOptions {
  readonly tokenUrl: string;
  readonly usageUrl: string;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Attempts after the first one, for transient failures only. */
  readonly retries: number;
  /** First backoff between attempts (default 200 ms, doubling). */
  readonly backoffMs?: number;
  /** Longest `Retry-After` honoured (default 3000 ms); a longer one ends the attempts. */
  readonly maxRetryAfterMs?: number;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
  readonly now?: () => number;
}

const tokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  // Some providers send it as a string of digits.
  expires_in: z.coerce.number().int().positive().optional(),
});

const usageAnswerSchema = z.object({
  used: z.number().nonnegative(),
  limit: z.number().nonnegative(),
});

/** RFC 6749 §5.2 error codes; the code itself is a restricted ASCII set, safe to keep as a reason. */
const oauthErrorSchema = z.object({ error: z.string().regex(/^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/) });

/** Errors that blame the client registration or request, not the account's grant. */
const CLIENT_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_request',
  'invalid_scope',
]);

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export function createHttpAccountProvider(options: HttpAccountProviderOptions): AccountProvider {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const policy = {
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    backoffMs: options.backoffMs ?? 200,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 3000,
    now,
  };
  const basic =
    options.clientId !== undefined && options.clientSecret !== undefined
      ? `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString('base64')}`
      : undefined;

  /** One request; a thrown error (timeout, refused connection) becomes a transient attempt. */
  async function exchange(url: string, init: RequestInit, timeoutMs: number): Promise<Answer | Attempt<never>> {
    try {
      const response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      return { kind: 'transient', reason: transportReason(error, timeoutMs) };
    }
  }

  function transientStatus(answer: Answer): Attempt<never> | undefined {
    const { status } = answer;
    if (status !== 408 && status !== 429 && status < 500) return undefined;
    const wait = retryAfterMs(answer.headers.get('retry-after'), now());
    return {
      kind: 'transient',
      reason: `HTTP ${status}`,
      status,
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    };
  }

  const done = <T>(outcome: T): Attempt<T> => ({ kind: 'done', outcome });
  const failedNow = (reason: string, attempts: number): ProviderFailed => ({ kind: 'failed', reason, attempts });

  async function refreshOnce(input: RefreshTokenInput, timeoutMs: number, n: number): Promise<Attempt<RefreshOutcome>> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: input.refreshToken });
    if (basic === undefined && options.clientId !== undefined) form.set('client_id', options.clientId);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (basic !== undefined) headers.authorization = basic;
    const answer = await exchange(options.tokenUrl, { method: 'POST', headers, body: form.toString() }, timeoutMs);
    if ('kind' in answer) return answer;
    const transient = transientStatus(answer);
    if (transient) return transient;
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = tokenAnswerSchema.safeParse(parseJson(answer.text));
      if (!parsed.success) return done(failedNow('malformed token answer', n));
      const { access_token, refresh_token, expires_in } = parsed.data;
      return done({
        kind: 'refreshed',
        accessToken: access_token,
        ...(refresh_token !== undefined ? { refreshToken: refresh_token } : {}),
        expiresAt: expires_in !== undefined ? new Date(now() + expires_in * 1000).toISOString() : null,
      });
    }
    if (answer.status === 400 || answer.status === 401) {
      const code = oauthErrorSchema.safeParse(parseJson(answer.text));
      if (code.success && CLIENT_ERRORS.has(code.data.error)) {
        return done(failedNow(`provider refused the client (${code.data.error})`, n));
      }
      return done({ kind: 'rejected', reason: code.success ? code.data.error : `HTTP ${answer.status}` });
    }
    return done(failedNow(`HTTP ${answer.status}`, n));
  }

  async function usageOnce(input: UsageInput, timeoutMs: number, n: number): Promise<Attempt<UsageOutcome>> {
    const headers = { authorization: `Bearer ${input.accessToken}`, accept: 'application/json' };
    const answer = await exchange(options.usageUrl, { method: 'GET', headers }, timeoutMs);
    if ('kind' in answer) return answer;
    const transient = transientStatus(answer);
    if (transient) return transient;
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = usageAnswerSchema.safeParse(parseJson(answer.text));
      if (!parsed.success) return done(failedNow('malformed usage answer', n));
      return done({ kind: 'usage', used: parsed.data.used, limit: parsed.data.limit });
    }
    if (answer.status === 401) return done({ kind: 'rejected', reason: 'HTTP 401' });
    return done(failedNow(`HTTP ${answer.status}`, n));
  }

  function run<T extends { kind: string }>(
    operation: 'refreshToken' | 'usage',
    input: { provider: string; deadline?: number },
    once: (timeoutMs: number, n: number) => Promise<Attempt<T>>,
  ): Promise<T | ProviderFailed> {
    const log = options.logger?.child({ component: 'account-provider', provider: input.provider, operation });
    let attempts = 0;
    return withRetries(
      policy,
      input.deadline,
      (timeoutMs, n) => {
        attempts = n;
        return once(timeoutMs, n);
      },
      ({ attempt, reason, status }) => log?.warn({ attempt, status, reason }, 'account provider attempt failed'),
    ).then((outcome) => {
      const fields = { attempts, outcome: outcome.kind, reason: 'reason' in outcome ? outcome.reason : undefined };
      if (outcome.kind === 'failed') log?.warn(fields, 'account provider failed');
      else log?.info(fields, 'account provider answered');
      return outcome;
    });
  }

  return {
    refreshToken: (input) => run('refreshToken', input, (timeoutMs, n) => refreshOnce(input, timeoutMs, n)),
    usage: (input) => run('usage', input, (timeoutMs, n) => usageOnce(input, timeoutMs, n)),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `application/x-www-form-urlencoded` encoding of one value, as RFC 6749 §2.3.1 asks for Basic credentials. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

function transportReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? `network error (${cause.code})` : 'network error';
}
