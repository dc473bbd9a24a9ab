/**
 * Talking to the gateway as a client does: real HTTP with `fetch`, JSON in and out, and assertions on
 * the contract's envelope (CONTRACT.md "Conventions") rather than on status codes alone.
 */
import { expect } from 'vitest';
import { ADMIN } from './platform.js';

export interface Answer<T = any> {
  readonly status: number;
  readonly headers: Headers;
  /** The raw body, for checks that something never appears in it. */
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly body: T;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent exactly as given, with `Content-Type: application/json` (for malformed or huge bodies). */
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Client {
  readonly baseUrl: string;
  send(method: string, path: string, options?: CallOptions): Promise<Answer>;
  get(path: string, options?: CallOptions): Promise<Answer>;
  post(path: string, body?: unknown, options?: CallOptions): Promise<Answer>;
  put(path: string, body?: unknown, options?: CallOptions): Promise<Answer>;
  delete(path: string, options?: CallOptions): Promise<Answer>;
}

export function client(baseUrl: string): Client {
  const send = async (method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const response = await fetch(baseUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  };
  return {
    baseUrl,
    send,
    get: (path, options) => send('GET', path, options),
    post: (path, body, options) => send('POST', path, { ...options, body }),
    put: (path, body, options) => send('PUT', path, { ...options, body }),
    delete: (path, options) => send('DELETE', path, options),
  };
}

/** The success envelope with `X-Request-Id` matching its `requestId`; returns `data`. */
export function expectOk<T = any>(answer: Answer, status = 200): T {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.body).toEqual({ success: true, data: expect.anything(), requestId: expect.any(String) });
  expect(answer.headers.get('x-request-id')).toBe(answer.body.requestId);
  return answer.body.data as T;
}

export interface ErrorBody {
  readonly success: false;
  readonly error: string;
  readonly message: string;
  readonly details?: any;
  readonly timestamp: number;
  readonly requestId: string;
}

/**
 * The error envelope, exactly (no stray fields such as a stack), with a current `timestamp` and
 * `X-Request-Id` matching its `requestId`.
 */
export function expectError(answer: Answer, status: number, code: string): ErrorBody {
  expect(answer.status, answer.text).toBe(status);
  const body = answer.body as ErrorBody;
  expect(body).toEqual({
    success: false,
    error: code,
    message: expect.any(String),
    ...(body?.details === undefined ? {} : { details: body.details }),
    timestamp: expect.any(Number),
    requestId: expect.any(String),
  });
  expect(Math.abs(body.timestamp - Date.now())).toBeLessThan(60_000);
  expect(answer.headers.get('x-request-id')).toBe(body.requestId);
  return body;
}

export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly userType: 'customer' | 'support' | 'admin';
  readonly orgId: string | null;
  readonly roleIds: string[];
  readonly permissions: string[];
  readonly status: 'active' | 'disabled';
  readonly version: number;
}

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly sessionId: string;
  readonly user: SessionUser;
}

export const PASSWORD = 'correct horse battery';

export async function register(api: Client, username: string, password = PASSWORD): Promise<Session> {
  return expectOk<Session>(await api.post('/api/auth/register', { username, password }), 201);
}

export async function login(api: Client, username: string, password = PASSWORD, userType?: string): Promise<Session> {
  const body = userType === undefined ? { username, password } : { username, password, userType };
  return expectOk<Session>(await api.post('/api/auth/login', body));
}

export const loginAdmin = (api: Client): Promise<Session> => login(api, ADMIN.username, ADMIN.password);

/** Polls `check` until it holds or `timeoutMs` passes (then fails with `what`). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
