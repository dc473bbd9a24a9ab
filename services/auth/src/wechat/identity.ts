/**
 * A WeChat identity (stream `wechat-<openid>`) links an openid to one user. The first login claims the
 * stream with `no_stream`, fixing the user id before the user exists, so concurrent first logins of one
 * WeChat user all end up with the same account, and a crash half-way is finished by the next login.
 */
export const wechatIdentityStream = (openid: string): string => `wechat-${openid}`;

export type WechatIdentityEvent = {
  readonly type: 'WechatIdentityLinked';
  readonly data: { readonly openid: string; readonly userId: string; readonly at: string };
};

export type WechatIdentityState =
  | { readonly kind: 'unlinked' }
  | { readonly kind: 'linked'; readonly userId: string; readonly linkedAt: string };

export const initialWechatIdentityState = (): WechatIdentityState => ({ kind: 'unlinked' });

export function evolveWechatIdentity(_state: WechatIdentityState, event: WechatIdentityEvent): WechatIdentityState {
  switch (event.type) {
    case 'WechatIdentityLinked':
      return { kind: 'linked', userId: event.data.userId, linkedAt: event.data.at };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}
