/**
 * A FAKE of WeChat's code-to-session API (`GET /sns/jscode2session`), the one part of these tests that
 * cannot be real: WeChat is not reachable from here. It is a real HTTP server on 127.0.0.1 that answers
 * as WeChat does: JSON with a text/plain content type; `{openid, session_key}` for a code it issued (each
 * code works once), `{errcode, errmsg}` otherwise; a wrong app id or secret is refused too.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const WECHAT_APP_ID = 'wx-test-app';
export const WECHAT_APP_SECRET = 'wx-test-secret';

export interface FakeWechat {
  /** Base URL for WECHAT_API_BASE. */
  readonly url: string;
  /** A fresh login code that WeChat would exchange for this openid (as `wx.login` gives a mini-program). */
  codeFor(openid: string): string;
  /** Every session key handed out, so a test can check none of them reaches a client. */
  readonly sessionKeys: string[];
  close(): Promise<void>;
}

export async function startFakeWechat(): Promise<FakeWechat> {
  const codes = new Map<string, string>();
  const sessionKeys: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://wechat.invalid');
    const reply = (body: object) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(JSON.stringify(body));
    };
    if (url.pathname !== '/sns/jscode2session') {
      res.writeHead(404).end();
      return;
    }
    const query = url.searchParams;
    if (query.get('appid') !== WECHAT_APP_ID || query.get('secret') !== WECHAT_APP_SECRET) {
      reply({ errcode: 40125, errmsg: 'invalid appsecret' });
      return;
    }
    const code = query.get('js_code') ?? '';
    const openid = codes.get(code);
    if (openid === undefined || query.get('grant_type') !== 'authorization_code') {
      reply({ errcode: 40029, errmsg: 'invalid code' });
      return;
    }
    codes.delete(code);
    const sessionKey = randomBytes(16).toString('base64');
    sessionKeys.push(sessionKey);
    reply({ openid, session_key: sessionKey });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sessionKeys,
    codeFor(openid) {
      const code = `code-${randomBytes(8).toString('hex')}`;
      codes.set(code, openid);
      return code;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The environment that points the auth service at the fake. */
export const wechatEnv = (wechat: FakeWechat): Record<string, string> => ({
  WECHAT_API_BASE: wechat.url,
  WECHAT_APP_ID,
  WECHAT_APP_SECRET,
});
