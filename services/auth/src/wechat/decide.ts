import type { Decider } from '@cairn/shared/eventstore';
import {
  evolveWechatIdentity,
  initialWechatIdentityState,
  type WechatIdentityEvent,
  type WechatIdentityState,
} from './identity.js';

export type WechatIdentityCommand = {
  readonly type: 'LinkWechatIdentity';
  readonly openid: string;
  /** The id a new user would get; ignored when the openid is already linked. */
  readonly userId: string;
  readonly now: string;
};

/** Linking is first-come: an already linked openid keeps its user, and the command decides nothing. */
export function decideWechatIdentity(
  command: WechatIdentityCommand,
  state: WechatIdentityState,
): readonly WechatIdentityEvent[] {
  switch (state.kind) {
    case 'linked':
      return [];
    case 'unlinked':
      return [
        { type: 'WechatIdentityLinked', data: { openid: command.openid, userId: command.userId, at: command.now } },
      ];
    default: {
      const unknown: never = state;
      return unknown;
    }
  }
}

export const wechatIdentityDecider: Decider<WechatIdentityCommand, WechatIdentityState, WechatIdentityEvent> = {
  initialState: initialWechatIdentityState,
  evolve: evolveWechatIdentity,
  decide: decideWechatIdentity,
};
