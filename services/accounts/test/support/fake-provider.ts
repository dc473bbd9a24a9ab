/**
 * A stand-in for an account provider, which cannot run here: a real HTTP server on 127.0.0.1 speaking
 * what the client expects of a real one. `POST /oauth/token` is an OAuth2 token endpoint for the
 * refresh-token grant (RFC 6749 §6, errors as §5.2); `GET /v1/usage` answers `{used, limit}` to a
 * Bearer access token. It keeps its own token table (grants issued, refresh tokens rotated or not,
 * grants revoked), can be scripted to misbehave on the next calls (a status such as 500 or 429 with
 * Retry-After, an answer that never comes or comes late, a malformed body), and records every
 * request it received so tests can check what was sent.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeEndpoint = 'token' | 'usage';

/** One scripted misbehaviour, used up by one request to its endpoint. */
export type ScriptedFailure =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Never answers (until the fake closes). */
  | { readonly hang: true }
  /** Answers as usual, this much later. */
  | { readonly delayMs: number }
  /** 200 with a body that is not the expected JSON. */
  | { readonly malformed: string };

export interface RecordedRequest {
  readonly endpoint: FakeEndpoint | 'unknown';
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Usage {
  readonly used: number;
  readonly limit: number;
}

export interface IssuedGrant {
  readonly refreshToken: string;
  readonly accessToken: string;
}

export interface FakeProviderOptions {
  /** The client the token endpoint accepts; with a secret it must come as HTTP Basic, alone as `client_id`. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Issue a new refresh token on every refresh, retiring the old one (default true). */
  readonly rotate?: boolean;
  /** `expires_in` of the access tokens it issues (default 3600). */
  readonly accessTokenTtlSeconds?: number;
}

export interface FakeProvider {
  readonly tokenUrl: string;
  readonly usageUrl: string;
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  requestsTo(endpoint: FakeEndpoint): RecordedRequest[];
  /** A new grant, as if the account had just signed in at the provider. */
  grant(usage?: Usage): IssuedGrant;
  /** The grant behind this refresh or access token stops working (an account revoked at the provider). */
  revoke(token: string): void;
  setUsage(accessToken: string, usage: Usage): void;
  /** The next calls to `endpoint` misbehave as listed, in order. */
  failNext(endpoint: FakeEndpoint, ...failures: ScriptedFailure[]): void;
  close(): Promise<void>;
}

interface Grant {
  refreshToken: string;
  accessTokens: Set<string>;
  revoked: boolean;
  usage: Usage;
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const rotate = options.rotate ?? true;
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const grants = new Set<Grant>();
  const requests: RecordedRequest[] = [];
  const scripts: Record<FakeEndpoint, ScriptedFailure[]> = { token: [], usage: [] };
  const timers = new Set<NodeJS.Timeout>();

  const byRefreshToken = (token: string) => [...grants].find((g) => g.refreshToken === token);
  const byAccessToken = (token: string) => [...grants].find((g) => g.accessTokens.has(token));

  /** What an endpoint answers; written by `answer`. */
  interface Reply {
    readonly status: number;
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
  }

  function oauthError(status: number, error: string, description: string): Reply {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (status === 401) headers['www-authenticate'] = 'Basic realm="fake-provider"';
    return { status, body: { error, error_description: description }, headers };
  }

  function clientIsAuthenticated(req: IncomingMessage, form: URLSearchParams): boolean {
    if (options.clientId === undefined) return true;
    if (options.clientSecret === undefined) return form.get('client_id') === options.clientId;
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1: both halves are form-encoded before joining.
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return (
      colon > 0 &&
      formDecode(decoded.slice(0, colon)) === options.clientId &&
      formDecode(decoded.slice(colon + 1)) === options.clientSecret
    );
  }

  function token(req: IncomingMessage, body: string): Reply {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'POST only');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'form encoding expected');
    }
    const form = new URLSearchParams(body);
    if (!clientIsAuthenticated(req, form)) return oauthError(401, 'invalid_client', 'client authentication failed');
    if (form.get('grant_type') !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type', 'only refresh_token');
    }
    const grant = byRefreshToken(form.get('refresh_token') ?? '');
    if (!grant || grant.revoked) return oauthError(400, 'invalid_grant', 'refresh token is invalid or revoked');
    const accessToken = `at-${randomUUID()}`;
    grant.accessTokens.add(accessToken);
    const answer: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
    if (rotate) {
      grant.refreshToken = `rt-${randomUUID()}`;
      answer.refresh_token = grant.refreshToken;
    }
    return { status: 200, body: answer, headers: { 'cache-control': 'no-store' } };
  }

  function usage(req: IncomingMessage): Reply {
    const header = req.headers.authorization ?? '';
    const grant = header.startsWith('Bearer ') ? byAccessToken(header.slice(7)) : undefined;
    if (!grant || grant.revoked)
      return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    return { status: 200, body: grant.usage };
  }

  function answer(endpoint: FakeEndpoint | 'unknown', req: IncomingMessage, res: ServerResponse, body: string): void {
    const reply = endpoint === 'token' ? token(req, body) : endpoint === 'usage' ? usage(req) : { status: 404 };
    if (reply.body === undefined) {
      res.writeHead(reply.status, reply.headers ?? {}).end();
      return;
    }
    res
      .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
      .end(JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const endpoint = path === '/oauth/token' ? 'token' : path === '/v1/usage' ? 'usage' : 'unknown';
      requests.push({ endpoint, method: req.method ?? '', headers: req.headers, body });
      const failure = endpoint === 'unknown' ? undefined : scripts[endpoint].shift();
      if (failure === undefined) return answer(endpoint, req, res, body);
      if ('hang' in failure) return;
      if ('delayMs' in failure) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer(endpoint, req, res, body);
        }, failure.delayMs);
        timers.add(timer);
        return;
      }
      if ('malformed' in failure) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(failure.malformed);
        return;
      }
      res.writeHead(failure.status, failure.headers ?? {}).end(failure.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    tokenUrl: `${base}/oauth/token`,
    usageUrl: `${base}/v1/usage`,
    requests,
    requestsTo: (endpoint) => requests.filter((r) => r.endpoint === endpoint),
    grant(initialUsage = { used: 0, limit: 100 }) {
      const grant: Grant = {
        refreshToken: `rt-${randomUUID()}`,
        accessTokens: new Set([`at-${randomUUID()}`]),
        revoked: false,
        usage: initialUsage,
      };
      grants.add(grant);
      return { refreshToken: grant.refreshToken, accessToken: [...grant.accessTokens][0]! };
    },
    revoke(tokenValue) {
      const grant = byRefreshToken(tokenValue) ?? byAccessToken(tokenValue);
      if (!grant) throw new Error('fake provider: no grant holds that token');
      grant.revoked = true;
    },
    setUsage(accessToken, next) {
      const grant = byAccessToken(accessToken);
      if (!grant) throw new Error('fake provider: unknown access token');
      grant.usage = next;
    },
    failNext(endpoint, ...failures) {
      scripts[endpoint].push(...failures);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
