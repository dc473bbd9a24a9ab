/**
 * `refresh-token` and `check-status` through the gateway, in both modes, against a fake provider on
 * loopback (OAuth2 refresh-token grant and a usage endpoint): a success stores the new tokens
 * (encrypted; shown by GET only) or the usage and makes the account active; a refused credential makes
 * it expired; a provider that keeps failing makes it error. Every outcome is a new version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeProvider } from '../../accounts/test/support/fake-provider.js';
import { type Client, client, expectError, expectOk, register } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Account {
  readonly id: string;
  readonly status: string;
  readonly statusMessage: string | null;
  readonly usage: { used: number; limit: number | null };
  readonly hasCredentials: boolean;
  readonly credentials?: Record<string, unknown> | null;
  readonly lastCheckedAt: string | null;
  readonly version: number;
}

const CLIENT = { id: 'cairn-desktop', secret: 'provider-client-secret' };

describe.each(MODES)('accounts at their provider, %s', (_label, mode) => {
  let fake: FakeProvider;
  let platform: TestPlatform;
  let api: Client;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeProvider({ clientId: CLIENT.id, clientSecret: CLIENT.secret });
    platform = await startTestPlatform(mode, {
      env: {
        CAIRN_ACCOUNT_PROVIDER_TOKEN_URL: fake.tokenUrl,
        CAIRN_ACCOUNT_PROVIDER_USAGE_URL: fake.usageUrl,
        CAIRN_ACCOUNT_PROVIDER_CLIENT_ID: CLIENT.id,
        CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET: CLIENT.secret,
        CAIRN_ACCOUNT_PROVIDER_TIMEOUT_MS: '2000',
        CAIRN_ACCOUNT_PROVIDER_RETRIES: '1',
      },
    });
    api = client(platform.url);
    token = (await register(api, `provider-${mode}`)).accessToken;
  });
  afterAll(async () => {
    await platform?.stop();
    await fake?.close();
  });

  const post = (id: string, action: 'refresh-token' | 'check-status', as = token) =>
    api.post(`/api/v2/accounts/${id}/${action}`, undefined, { token: as });
  const get = async (id: string): Promise<Account> =>
    expectOk<Account>(await api.get(`/api/v2/accounts/${id}`, { token }));

  async function accountWithGrant(id: string, usage = { used: 0, limit: 100 }) {
    const grant = fake.grant(usage);
    const credentials = { refreshToken: grant.refreshToken, accessToken: grant.accessToken, device: 'laptop' };
    expectOk(await api.post('/api/v2/accounts', { id, email: `${id}@example.com`, credentials }, { token }), 201);
    return grant;
  }

  it('refreshes the tokens: the new ones are stored encrypted, shown only by GET, and the account is active', async () => {
    const grant = await accountWithGrant('refresh-ok');
    const answer = await post('refresh-ok', 'refresh-token');
    const refreshed = expectOk<Account>(answer);
    expect(refreshed).toMatchObject({ status: 'active', statusMessage: null, version: 2, hasCredentials: true });
    expect(refreshed.lastCheckedAt).toEqual(expect.any(String));
    expect(answer.text).not.toMatch(/\b(?:at|rt)-[0-9a-f-]{36}/);
    expect(answer.headers.get('etag')).toBe('W/"2"');

    const sent = new URLSearchParams(fake.requestsTo('token').at(-1)!.body);
    expect(sent.get('refresh_token')).toBe(grant.refreshToken);
    const { credentials } = await get('refresh-ok');
    expect(credentials).toMatchObject({ device: 'laptop', expiresAt: expect.any(String) });
    expect(credentials?.accessToken).toMatch(/^at-/);
    expect(credentials?.accessToken).not.toBe(grant.accessToken);
    // The provider rotated the refresh token: the new one is kept, so the next refresh works too.
    expect(credentials?.refreshToken).not.toBe(grant.refreshToken);
    expect(expectOk<Account>(await post('refresh-ok', 'refresh-token'))).toMatchObject({
      status: 'active',
      version: 3,
    });
  });

  it('checks the status: the usage the provider reports is stored', async () => {
    await accountWithGrant('usage-ok', { used: 7, limit: 50 });
    const checked = expectOk<Account>(await post('usage-ok', 'check-status'));
    expect(checked).toMatchObject({ status: 'active', usage: { used: 7, limit: 50 }, version: 2 });
    const listed = expectOk(await api.get('/api/v2/accounts?q=usage-ok', { token }));
    expect(listed.items).toMatchObject([{ id: 'usage-ok', usage: { used: 7, limit: 50 }, version: 2 }]);
  });

  it('marks the account expired when the provider refuses its credentials', async () => {
    const grant = await accountWithGrant('revoked');
    fake.revoke(grant.refreshToken);
    const refused = expectOk<Account>(await post('revoked', 'refresh-token'));
    expect(refused).toMatchObject({ status: 'expired', statusMessage: 'invalid_grant', version: 2 });
    const checked = expectOk<Account>(await post('revoked', 'check-status'));
    expect(checked).toMatchObject({ status: 'expired', version: 3 });
    expect(await get('revoked')).toMatchObject({ status: 'expired', version: 3 });
    const expired = expectOk(await api.get('/api/v2/accounts?status=expired&q=revoked', { token }));
    expect(expired.total).toBe(1);
  });

  it('marks the account error when the provider keeps failing, and active again once it answers', async () => {
    await accountWithGrant('flaky');
    fake.failNext('usage', { status: 503 }, { status: 503 });
    const failed = expectOk<Account>(await post('flaky', 'check-status'));
    expect(failed).toMatchObject({ status: 'error', statusMessage: expect.stringContaining('HTTP 503'), version: 2 });
    const recovered = expectOk<Account>(await post('flaky', 'check-status'));
    expect(recovered).toMatchObject({ status: 'active', statusMessage: null, version: 3 });
  });

  it('refuses accounts without the token it needs (400), and those of other users (404)', async () => {
    expectOk(await api.post('/api/v2/accounts', { id: 'bare', email: 'bare@example.com' }, { token }), 201);
    const missing = expectError(await post('bare', 'refresh-token'), 400, 'VALIDATION_ERROR');
    expect(missing.details).toEqual([expect.objectContaining({ field: 'credentials.refreshToken' })]);
    expectError(await post('bare', 'check-status'), 400, 'VALIDATION_ERROR');
    expect((await get('bare')).version).toBe(1);

    const stranger = (await register(api, `stranger-${mode}`)).accessToken;
    expectError(await post('refresh-ok', 'refresh-token', stranger), 404, 'ACCOUNT_NOT_FOUND');
    expectError(await post('refresh-ok', 'check-status', stranger), 404, 'ACCOUNT_NOT_FOUND');
  });
});
