/**
 * WeChat mini-program login. WeChat itself cannot be reached from here, so a fake of its
 * code-to-session endpoint (`/sns/jscode2session`) runs as a real HTTP server on 127.0.0.1, answering
 * as WeChat documents: `{openid, session_key, unionid?}` on success, `{errcode, errmsg}` on failure.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionResult } from '@cairn/shared/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, actorOf, expectError, startHarness } from '../support/harness.js';

let h: AuthHarness;
let wechat: Server;
const seen: URLSearchParams[] = [];
const attempts = new Map<string, number>();

function fakeWechat(req: IncomingMessage, res: import('node:http').ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (url.pathname !== '/sns/jscode2session') {
    res.writeHead(404).end();
    return;
  }
  seen.push(url.searchParams);
  const code = url.searchParams.get('js_code') ?? '';
  attempts.set(code, (attempts.get(code) ?? 0) + 1);
  const reply = (body: unknown) => {
    // WeChat's real content type for this JSON.
    res.writeHead(200, { 'content-type': 'text/plain' }).end(JSON.stringify(body));
  };
  if (code.startsWith('ok:')) {
    const openid = code.split(':')[1]!;
    reply({ openid, session_key: `SESSIONKEY-${openid}-${attempts.get(code)}`, unionid: `union-${openid}` });
  } else if (code === 'used') {
    reply({ errcode: 40163, errmsg: 'code been used' });
  } else if (code.startsWith('flaky:') && attempts.get(code) === 1) {
    res.writeHead(502).end('bad gateway');
  } else if (code.startsWith('flaky:')) {
    reply({ openid: code.split(':')[1], session_key: 'SESSIONKEY-flaky' });
  } else if (code === 'hang') {
    // Never answers: the client's timeout must fire.
  } else {
    reply({ errcode: 40029, errmsg: 'invalid code' });
  }
}

beforeAll(async () => {
  wechat = createServer(fakeWechat);
  await new Promise<void>((resolve) => wechat.listen(0, '127.0.0.1', resolve));
  const { port } = wechat.address() as AddressInfo;
  h = await startHarness({
    WECHAT_API_BASE: `http://127.0.0.1:${port}`,
    WECHAT_APP_ID: 'wx-test-app',
    WECHAT_APP_SECRET: 'wx-test-secret',
    CAIRN_WECHAT_TIMEOUT_MS: '300',
  });
});
afterAll(async () => {
  await h?.close();
  wechat.closeAllConnections();
  await new Promise((resolve) => wechat.close(resolve));
});

describe('wechatLogin', () => {
  it('exchanges the code with the configured app, creates a customer on first login, finds it later', async () => {
    const first = await h.ok<SessionResult>('wechatLogin', { code: 'ok:openid-A' });
    const params = seen.at(-1)!;
    expect(Object.fromEntries(params)).toEqual({
      appid: 'wx-test-app',
      secret: 'wx-test-secret',
      js_code: 'ok:openid-A',
      grant_type: 'authorization_code',
    });
    expect(first.user).toMatchObject({ userType: 'customer', status: 'active', orgId: null });
    const second = await h.ok<SessionResult>('wechatLogin', { code: 'ok:openid-A' });
    expect(second.user.id).toBe(first.user.id);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect((await h.ok('me', {}, actorOf(second))).id).toBe(first.user.id);
  });

  it('keeps the session key server-side only', async () => {
    const session = await h.ok<SessionResult>('wechatLogin', { code: 'ok:openid-B' });
    expect(JSON.stringify(session)).not.toContain('SESSIONKEY');
    const stored = await h.pool.query(
      `SELECT user_id, session_key FROM auth.wechat_session_keys WHERE openid = 'openid-B'`,
    );
    expect(stored.rows).toEqual([
      { user_id: session.user.id, session_key: expect.stringMatching(/^SESSIONKEY-openid-B/) },
    ]);
    const leaked = await h.pool.query(
      `SELECT count(*)::int AS n FROM auth.events WHERE data::text LIKE '%SESSIONKEY%'`,
    );
    expect(leaked.rows[0].n).toBe(0);
  });

  it('concurrent first logins of one WeChat user make one account', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 6 }, () => h.ok<SessionResult>('wechatLogin', { code: 'ok:openid-C' })),
    );
    expect(new Set(sessions.map((s) => s.user.id)).size).toBe(1);
    const users = await h.pool.query(
      `SELECT count(*)::int AS n FROM auth.events WHERE type = 'UserRegistered' AND data->>'via' = 'wechat' AND stream_name = $1`,
      [`user-${sessions[0]!.user.id}`],
    );
    expect(users.rows[0].n).toBe(1);
  });

  it('a code WeChat refuses is 401 with WeChat’s errmsg', async () => {
    const error = expectError(await h.call('wechatLogin', { code: 'used' }), 'UNAUTHORIZED');
    expect(error.details).toEqual({ errcode: 40163, errmsg: 'code been used' });
  });

  it('a transport failure is retried once', async () => {
    const session = await h.ok<SessionResult>('wechatLogin', { code: 'flaky:openid-D' });
    expect(session.user.userType).toBe('customer');
    expect(attempts.get('flaky:openid-D')).toBe(2);
  });

  it('WeChat not answering is 503 SERVICE_UNAVAILABLE after a timeout and one retry', async () => {
    const started = Date.now();
    expectError(await h.call('wechatLogin', { code: 'hang' }), 'SERVICE_UNAVAILABLE');
    expect(attempts.get('hang')).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it('WeChat users have no password: a password login as them is the usual 401', async () => {
    const session = await h.ok<SessionResult>('wechatLogin', { code: 'ok:openid-E' });
    const reply = await h.call('login', { username: session.user.username, password: 'any-password' });
    expectError(reply, 'UNAUTHORIZED');
  });
});
