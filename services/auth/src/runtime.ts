/**
 * Everything the handlers share, built once by `startAuthService`, and the one way commands are run:
 * `execute` stamps the time, the actor and the trace onto the events' metadata and lets `handleCommand`
 * read, decide, append and retry on a version conflict.
 */
import type { Bus } from '@cairn/shared/bus';
import type { EventStore } from '@cairn/shared/eventstore';
import type { Logger } from '@cairn/shared/logging';
import type { ReadModels } from '@cairn/shared/projections';
import { executeCommand } from '@cairn/shared/runtime';
import type { Pool } from 'pg';
import type { AuthConfig } from './config.js';
import type { LoginThrottle } from './logins/throttle.js';
import type { PasswordHasher } from './passwords/scrypt.js';
import type { AccessTokenIssuer } from './tokens/accessTokens.js';
import type { ServiceKeys } from './tokens/keyStore.js';
import type { UserDirectory } from './users/view.js';
import type { WechatClient } from './wechat/client.js';
import type { WechatSessionKeys } from './wechat/sessionKeys.js';

export type { ReadModels };

export interface AuthRuntime {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly config: AuthConfig;
  /** ms since epoch; a function so tests can move time. */
  readonly now: () => number;
  readonly newId: () => string;
  readonly passwords: PasswordHasher;
  readonly accessTokens: AccessTokenIssuer;
  readonly keys: ServiceKeys;
  readonly directory: UserDirectory;
  readonly throttle: LoginThrottle;
  readonly wechat: WechatClient | undefined;
  readonly wechatKeys: WechatSessionKeys;
  readonly readModels: ReadModels;
}

/** Runs a command with the request's metadata (see `executeCommand`). */
export const execute = executeCommand;

export const isoAt = (ms: number): string => new Date(ms).toISOString();
