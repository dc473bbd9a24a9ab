/**
 * What the gateway does with access tokens it must not trust, against the REAL auth service's keys, in
 * both modes: forged signatures, `alg: none`, algorithm confusion, tampered claims, expired and revoked
 * tokens, and malformed Authorization headers. Every refusal is 401 UNAUTHORIZED in the envelope.
 * Tokens signed with the real key are made from the key in the test database (support/tokens.ts says why).
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type Client, client, expectError, expectOk, register, type Session } from './support/client.js';
import { MODES, startTestPlatform, type TestPlatform } from './support/platform.js';
import { claimsFor, realSigningKey, type SigningKey, signToken, strangerKey, unsignedToken } from './support/tokens.js';

describe.each(MODES)('access tokens at the gateway, %s', (_label, mode) => {
  let platform: TestPlatform;
  let api: Client;
  let session: Session;
  let key: SigningKey;

  beforeAll(async () => {
    platform = await startTestPlatform(mode);
    api = client(platform.url);
    session = await register(api, 'tess');
    key = await realSigningKey(platform.infrastructure.pool);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const me = (token: string): Promise<Answer> => api.get('/api/auth/me', { token });
  const refused = (answer: Answer, message?: RegExp) => {
    const body = expectError(answer, 401, 'UNAUTHORIZED');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    if (message) expect(body.message).toMatch(message);
  };
  const realHeader = () => ({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' });

  it('runs on the bus of its mode', () => {
    expect(platform.infrastructure.busInfo.kind).toBe(mode === 'distributed' ? 'nats' : 'memory');
  });

  it('accepts a token made with the real key: the control for the refusals below', async () => {
    const token = signToken(realHeader(), claimsFor(session), key.privateKey);
    expect(expectOk(await me(token))).toMatchObject({ id: session.user.id, username: 'tess' });
  });

  it('refuses a token signed by another Ed25519 key under the real kid', async () => {
    refused(await me(signToken(realHeader(), claimsFor(session), strangerKey())), /invalid/i);
  });

  it('refuses a genuine token whose claims were changed after signing', async () => {
    const [header, , signature] = session.accessToken.split('.');
    const promoted = Buffer.from(JSON.stringify(claimsFor(session, { role: 'admin' }))).toString('base64url');
    refused(await me(`${header}.${promoted}.${signature}`), /invalid/i);
  });

  it('refuses alg: none, with or without the real kid', async () => {
    refused(await me(unsignedToken(claimsFor(session))));
    const withKid = Buffer.from(JSON.stringify({ alg: 'none', kid: key.kid })).toString('base64url');
    const claims = Buffer.from(JSON.stringify(claimsFor(session))).toString('base64url');
    refused(await me(`${withKid}.${claims}.`));
  });

  it('refuses an HS256 token keyed with the published public key (algorithm confusion)', async () => {
    const jwks = (await api.get('/.well-known/jwks.json')).body as { keys: Array<{ kid: string; x: string }> };
    const publicKey = jwks.keys.find((k) => k.kid === key.kid)!;
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: key.kid, typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify(claimsFor(session))).toString('base64url');
    const mac = createHmac('sha256', Buffer.from(publicKey.x, 'base64url')).update(`${header}.${claims}`);
    refused(await me(`${header}.${claims}.${mac.digest('base64url')}`));
  });

  it('refuses an expired token although its signature is valid', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const token = signToken(realHeader(), claimsFor(session, { iat: past - 900, exp: past }), key.privateKey);
    refused(await me(token), /expired/i);
  });

  it('refuses a token that expires after the gateway has verified and cached it', async () => {
    // Expiry in one to two seconds (`exp` counts whole seconds).
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = signToken(realHeader(), claimsFor(session, { exp }), key.privateKey);
    expectOk(await me(token));
    await sleep(exp * 1000 - Date.now() + 50);
    refused(await me(token), /expired/i);
  });

  it('refuses a validly signed token for another issuer or audience, or without a session id', async () => {
    refused(await me(signToken(realHeader(), claimsFor(session, { iss: 'someone-else' }), key.privateKey)));
    refused(await me(signToken(realHeader(), claimsFor(session, { aud: 'another-api' }), key.privateKey)));
    refused(await me(signToken(realHeader(), claimsFor(session, { sid: undefined }), key.privateKey)));
  });

  it('refuses the tokens of a revoked session, the hand-made ones included', async () => {
    const doomed = await register(api, 'tess-two');
    const handMade = signToken(realHeader(), claimsFor(doomed), key.privateKey);
    expectOk(await me(handMade));
    expectOk(await api.post('/api/auth/logout', undefined, { token: doomed.accessToken }));
    refused(await me(doomed.accessToken), /revoked/i);
    refused(await me(handMade), /revoked/i);
    // Other sessions stay valid.
    expectOk(await me(session.accessToken));
  });

  it('refuses a malformed Authorization header or token', async () => {
    for (const authorization of [
      `Basic ${Buffer.from('tess:pw').toString('base64')}`,
      'Bearer',
      'Bearer  ',
      `Bearer ${session.accessToken} extra`,
      session.accessToken,
      'Bearer not-a-jwt',
      'Bearer a.b.c',
      `Bearer ${'x'.repeat(5000)}`,
    ]) {
      refused(await api.get('/api/auth/me', { headers: { authorization } }));
    }
  });
});
