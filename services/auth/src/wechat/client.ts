/**
 * WeChat's code-to-session API (`/sns/jscode2session`): trades the code a mini-program got from
 * `wx.login` for the user's openid and a session key. A transport failure (timeout, refused connection,
 * 5xx) is retried once and then answered 503, since WeChat being down is not the user's fault; an
 * `errcode` from WeChat (bad or used code) is the user's problem and answered 401 with WeChat's message.
 * The URL holds the app secret, so it is never logged.
 */
import { DomainError } from '@cairn/shared/http';

export interface WechatSession {
  readonly openid: string;
  readonly sessionKey: string;
  readonly unionid?: string;
}

export interface WechatClient {
  codeToSession(code: string): Promise<WechatSession>;
}

export interface WechatClientOptions {
  readonly apiBase: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly timeoutMs: number;
}

interface Jscode2sessionReply {
  openid?: string;
  session_key?: string;
  unionid?: string;
  errcode?: number;
  errmsg?: string;
}

class TransportError extends Error {}

export function createWechatClient(options: WechatClientOptions): WechatClient {
  async function once(code: string): Promise<Jscode2sessionReply> {
    const url = new URL('/sns/jscode2session', `${options.apiBase}/`);
    url.search = new URLSearchParams({
      appid: options.appId,
      secret: options.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
    }).toString();
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (error) {
      throw new TransportError((error as Error).name);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new TransportError(`HTTP ${response.status}`);
    }
    // WeChat answers JSON with a text/plain content type, so parse the text rather than trust the header.
    try {
      return JSON.parse(await response.text()) as Jscode2sessionReply;
    } catch {
      throw new TransportError('malformed reply');
    }
  }

  return {
    async codeToSession(code) {
      let reply: Jscode2sessionReply;
      try {
        reply = await once(code).catch((error: unknown) => {
          if (error instanceof TransportError) return once(code);
          throw error;
        });
      } catch (error) {
        if (error instanceof TransportError) {
          throw new DomainError('SERVICE_UNAVAILABLE', 'WeChat is not reachable; try again shortly');
        }
        throw error;
      }
      if (reply.errcode !== undefined && reply.errcode !== 0) {
        throw new DomainError('UNAUTHORIZED', 'WeChat refused the login code', {
          errcode: reply.errcode,
          errmsg: reply.errmsg ?? '',
        });
      }
      if (!reply.openid || !reply.session_key) {
        throw new DomainError('SERVICE_UNAVAILABLE', 'WeChat answered without an openid; try again shortly');
      }
      return {
        openid: reply.openid,
        sessionKey: reply.session_key,
        ...(reply.unionid ? { unionid: reply.unionid } : {}),
      };
    },
  };
}
