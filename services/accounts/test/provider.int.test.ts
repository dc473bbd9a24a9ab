/**
 * The HTTP account provider against a fake provider on loopback (the real one cannot run here): the
 * OAuth2 refresh-token grant and the usage endpoint, what each answer becomes (refreshed / usage,
 * rejected → the account expires, failed → its status is error), and which failures are retried.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@cairn/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAccountProvider, type HttpAccountProviderOptions } from '../src/provider/index.js';
import { type FakeProvider, startFakeProvider } from './support/fake-provider.js';

const CLIENT_ID = 'cairn accounts';
const CLIENT_SECRET = 's3cret:with&odd=chars';
const NOW = Date.parse('2025-03-01T12:00:00.000Z');

let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessTokenTtlSeconds: 1800 });
});
afterAll(async () => {
  await fake?.close();
});

function providerFor(overrides: Partial<HttpAccountProviderOptions> = {}) {
  return createHttpAccountProvider({
    tokenUrl: fake.tokenUrl,
    usageUrl: fake.usageUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 5000,
    retries: 2,
    backoffMs: 10,
    now: () => NOW,
    ...overrides,
  });
}

/** Requests to `endpoint` made while `run` ran. */
async function requestsDuring<T>(endpoint: 'token' | 'usage', run: () => Promise<T>) {
  const before = fake.requestsTo(endpoint).length;
  const result = await run();
  return { result, requests: fake.requestsTo(endpoint).slice(before) };
}

describe('refresh-token grant', () => {
  it('trades the refresh token for a new access token, sending the grant form-encoded with the client as HTTP Basic', async () => {
    const { refreshToken } = fake.grant();
    const { result, requests } = await requestsDuring('token', () =>
      providerFor().refreshToken({ provider: 'acme', refreshToken }),
    );

    expect(result).toMatchObject({ kind: 'refreshed', expiresAt: '2025-03-01T12:30:00.000Z' });
    expect(result.kind === 'refreshed' && result.accessToken).toMatch(/^at-/);
    expect(requests).toHaveLength(1);
    const [sent] = requests;
    expect(sent!.method).toBe('POST');
    expect(sent!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent!.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    const basic = Buffer.from(sent!.headers.authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe('cairn+accounts:s3cret%3Awith%26odd%3Dchars');
  });

  it('hands back the rotated refresh token; the old one is then refused', async () => {
    const { refreshToken } = fake.grant();
    const provider = providerFor();

    const first = await provider.refreshToken({ provider: 'acme', refreshToken });
    expect(first.kind).toBe('refreshed');
    const rotated = first.kind === 'refreshed' ? first.refreshToken : undefined;
    expect(rotated).toMatch(/^rt-/);
    expect(rotated).not.toBe(refreshToken);

    expect(await provider.refreshToken({ provider: 'acme', refreshToken })).toEqual({
      kind: 'rejected',
      reason: 'invalid_grant',
    });
    expect((await provider.refreshToken({ provider: 'acme', refreshToken: rotated! })).kind).toBe('refreshed');
  });

  it('answers without a refresh token when the provider does not rotate, and expiresAt null without expires_in', async () => {
    const steady = await startFakeProvider({ rotate: false });
    try {
      const { refreshToken } = steady.grant();
      const provider = createHttpAccountProvider({
        tokenUrl: steady.tokenUrl,
        usageUrl: steady.usageUrl,
        timeoutMs: 5000,
        retries: 0,
      });
      const outcome = await provider.refreshToken({ provider: 'acme', refreshToken });
      expect(outcome.kind).toBe('refreshed');
      expect(outcome).not.toHaveProperty('refreshToken');

      steady.failNext('token', { status: 200, body: JSON.stringify({ access_token: 'at-x', token_type: 'Bearer' }) });
      expect(await provider.refreshToken({ provider: 'acme', refreshToken })).toEqual({
        kind: 'refreshed',
        accessToken: 'at-x',
        expiresAt: null,
      });
    } finally {
      await steady.close();
    }
  });

  it('names a public client (no secret) with client_id in the form, without Basic', async () => {
    const publicFake = await startFakeProvider({ clientId: 'public-app' });
    try {
      const { refreshToken } = publicFake.grant();
      const provider = createHttpAccountProvider({
        tokenUrl: publicFake.tokenUrl,
        usageUrl: publicFake.usageUrl,
        clientId: 'public-app',
        timeoutMs: 5000,
        retries: 0,
      });
      expect((await provider.refreshToken({ provider: 'acme', refreshToken })).kind).toBe('refreshed');
      const [sent] = publicFake.requestsTo('token');
      expect(sent!.headers.authorization).toBeUndefined();
      expect(new URLSearchParams(sent!.body).get('client_id')).toBe('public-app');
    } finally {
      await publicFake.close();
    }
  });

  it('is rejected, without retrying, when the provider has revoked the grant (invalid_grant)', async () => {
    const { refreshToken } = fake.grant();
    fake.revoke(refreshToken);
    const { result, requests } = await requestsDuring('token', () =>
      providerFor().refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result).toEqual({ kind: 'rejected', reason: 'invalid_grant' });
    expect(requests).toHaveLength(1);
  });

  it('is rejected on a bare 401 with no OAuth2 error body', async () => {
    fake.failNext('token', { status: 401 });
    const { refreshToken } = fake.grant();
    expect(await providerFor().refreshToken({ provider: 'acme', refreshToken })).toEqual({
      kind: 'rejected',
      reason: 'HTTP 401',
    });
  });

  it('fails (the account is not to blame) when the provider refuses our client credentials', async () => {
    const { refreshToken } = fake.grant();
    const { result, requests } = await requestsDuring('token', () =>
      providerFor({ clientSecret: 'wrong' }).refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result).toEqual({ kind: 'failed', reason: 'provider refused the client (invalid_client)', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    const { refreshToken } = fake.grant();
    fake.failNext('token', { status: 500, body: 'boom' });
    const { result, requests } = await requestsDuring('token', () =>
      providerFor().refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result.kind).toBe('refreshed');
    expect(requests).toHaveLength(2);
  });

  it('fails after the retries when every attempt gets a 5xx', async () => {
    const { refreshToken } = fake.grant();
    fake.failNext('token', { status: 503 }, { status: 502 }, { status: 500 });
    const { result, requests } = await requestsDuring('token', () =>
      providerFor().refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result).toEqual({ kind: 'failed', reason: 'HTTP 500 (3 attempts)', attempts: 3 });
    expect(requests).toHaveLength(3);
  });

  it('fails after the retries when the provider never answers in time', async () => {
    const { refreshToken } = fake.grant();
    fake.failNext('token', { hang: true }, { hang: true }, { hang: true });
    const { result, requests } = await requestsDuring('token', () =>
      providerFor({ timeoutMs: 150 }).refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result).toEqual({ kind: 'failed', reason: 'timeout after 150 ms (3 attempts)', attempts: 3 });
    expect(requests).toHaveLength(3);
  });

  it('gives up by the deadline it is given, however long the per-attempt timeout', async () => {
    const { refreshToken } = fake.grant();
    // One hang is enough: the deadline leaves no room for a second attempt.
    fake.failNext('token', { hang: true });
    const outcome = await providerFor({ timeoutMs: 60_000, now: Date.now }).refreshToken({
      provider: 'acme',
      refreshToken,
      deadline: Date.now() + 300,
    });
    expect(outcome).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/^timeout after \d+ ms \(1 attempt; deadline reached\)$/),
      attempts: 1,
    });
    expect(
      await providerFor({ now: Date.now }).refreshToken({ provider: 'acme', refreshToken, deadline: Date.now() - 1 }),
    ).toEqual({ kind: 'failed', reason: 'deadline reached before asking', attempts: 0 });
  });

  it('waits as a 429 Retry-After asks, then succeeds', async () => {
    const { refreshToken } = fake.grant();
    fake.failNext('token', { status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const { result, requests } = await requestsDuring('token', () =>
      providerFor({ now: Date.now }).refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result.kind).toBe('refreshed');
    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a Retry-After beyond its cap: fails at once', async () => {
    const { refreshToken } = fake.grant();
    fake.failNext('token', { status: 429, headers: { 'retry-after': '120' } });
    const { result, requests } = await requestsDuring('token', () =>
      providerFor().refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result).toEqual({
      kind: 'failed',
      reason: 'HTTP 429 (1 attempt; provider asked to wait 120 s)',
      attempts: 1,
    });
    expect(requests).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"access_token": '],
    ['no access_token', '{"token_type": "Bearer", "expires_in": 3600}'],
    ['a negative expires_in', '{"access_token": "at-1", "expires_in": -5}'],
  ])('fails, without retrying, on a malformed answer (%s)', async (_, body) => {
    const { refreshToken } = fake.grant();
    fake.failNext('token', { malformed: body });
    const { result, requests } = await requestsDuring('token', () =>
      providerFor().refreshToken({ provider: 'acme', refreshToken }),
    );
    expect(result).toEqual({ kind: 'failed', reason: 'malformed token answer', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('fails after the retries when nothing listens at the token URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await providerFor({ tokenUrl: `http://127.0.0.1:${port}/oauth/token` }).refreshToken({
      provider: 'acme',
      refreshToken: 'rt-anything',
    });
    expect(outcome).toEqual({ kind: 'failed', reason: 'network error (ECONNREFUSED) (3 attempts)', attempts: 3 });
  });
});

describe('usage', () => {
  it('reports used and limit, asked with the access token as Bearer', async () => {
    const { accessToken } = fake.grant({ used: 42, limit: 500 });
    const { result, requests } = await requestsDuring('usage', () =>
      providerFor().usage({ provider: 'acme', accessToken }),
    );
    expect(result).toEqual({ kind: 'usage', used: 42, limit: 500 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('GET');
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${accessToken}`);
  });

  it('reports the usage as the provider changes it, with a refreshed access token too', async () => {
    const { refreshToken } = fake.grant({ used: 1, limit: 10 });
    const provider = providerFor();
    const refreshed = await provider.refreshToken({ provider: 'acme', refreshToken });
    const accessToken = refreshed.kind === 'refreshed' ? refreshed.accessToken : '';
    fake.setUsage(accessToken, { used: 7, limit: 10 });
    expect(await provider.usage({ provider: 'acme', accessToken })).toEqual({ kind: 'usage', used: 7, limit: 10 });
  });

  it('is rejected on 401 (a revoked or unknown access token), without retrying', async () => {
    const { accessToken } = fake.grant();
    fake.revoke(accessToken);
    const { result, requests } = await requestsDuring('usage', () =>
      providerFor().usage({ provider: 'acme', accessToken }),
    );
    expect(result).toEqual({ kind: 'rejected', reason: 'HTTP 401' });
    expect(requests).toHaveLength(1);
  });

  it('retries a 500, then reports the usage', async () => {
    const { accessToken } = fake.grant({ used: 3, limit: 9 });
    fake.failNext('usage', { status: 500 });
    const { result, requests } = await requestsDuring('usage', () =>
      providerFor().usage({ provider: 'acme', accessToken }),
    );
    expect(result).toEqual({ kind: 'usage', used: 3, limit: 9 });
    expect(requests).toHaveLength(2);
  });

  it('fails after the retries on repeated 500s, and at once on a malformed answer or a 403', async () => {
    const { accessToken } = fake.grant();
    const provider = providerFor();
    fake.failNext('usage', { status: 500 }, { status: 500 }, { status: 500 });
    expect(await provider.usage({ provider: 'acme', accessToken })).toEqual({
      kind: 'failed',
      reason: 'HTTP 500 (3 attempts)',
      attempts: 3,
    });
    fake.failNext('usage', { malformed: '{"used": "lots"}' });
    expect(await provider.usage({ provider: 'acme', accessToken })).toEqual({
      kind: 'failed',
      reason: 'malformed usage answer',
      attempts: 1,
    });
    fake.failNext('usage', { status: 403 });
    expect(await provider.usage({ provider: 'acme', accessToken })).toEqual({
      kind: 'failed',
      reason: 'HTTP 403',
      attempts: 1,
    });
  });
});

describe('logs', () => {
  it('say which provider, operation, attempt and status, and never a token or the client secret', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'accounts', level: 'debug' }, { write: (line: string) => lines.push(line) });
    const provider = providerFor({ logger });
    const kept = fake.grant({ used: 5, limit: 50 });
    const revoked = fake.grant();
    fake.revoke(revoked.refreshToken);

    fake.failNext('token', { status: 500 });
    const refreshed = await provider.refreshToken({ provider: 'acme', refreshToken: kept.refreshToken });
    await provider.refreshToken({ provider: 'acme', refreshToken: revoked.refreshToken });
    await provider.refreshToken({ provider: 'acme', refreshToken: kept.refreshToken }); // rotated away: rejected
    fake.failNext('usage', { status: 503 });
    await provider.usage({ provider: 'acme', accessToken: kept.accessToken });
    await provider.usage({ provider: 'acme', accessToken: revoked.accessToken });

    const secrets = [
      kept.refreshToken,
      kept.accessToken,
      revoked.refreshToken,
      revoked.accessToken,
      CLIENT_SECRET,
      Buffer.from(CLIENT_SECRET).toString('base64'),
    ];
    if (refreshed.kind === 'refreshed') secrets.push(refreshed.accessToken, refreshed.refreshToken ?? '');
    expect(lines.length).toBeGreaterThanOrEqual(7);
    for (const line of lines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/\b(?:rt|at)-[0-9a-f-]{36}\b/);
    }
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toContainEqual(
      expect.objectContaining({ provider: 'acme', operation: 'refreshToken', attempt: 1, status: 500 }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ provider: 'acme', operation: 'usage', outcome: 'rejected', reason: 'HTTP 401' }),
    );
  });
});
