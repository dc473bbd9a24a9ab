/**
 * Everything the handlers share, built once by `startAuthService`, and the one way commands are run:
 * `execute` stamps the time, the actor and the trace onto the events' metadata and lets `handleCommand`
 * read, decide, append and retry on a version conflict.
 */
import type { Bus, RequestContext } from '@cairn/shared/bus';
import {
  type CommandResult,
  type Decider,
  type DomainEvent,
  type EventStore,
  type GlobalPosition,
  handleCommand,
} from '@cairn/shared/eventstore';
import type { Logger } from '@cairn/shared/logging';
import type { Pool } from 'pg';
import type { AuthConfig } from './config.js';
import type { LoginThrottle } from './logins/throttle.js';
import type { PasswordHasher } from './passwords/scrypt.js';
import type { AccessTokenIssuer } from './tokens/accessTokens.js';
import type { ServiceKeys } from './tokens/keyStore.js';
import type { UserDirectory } from './users/view.js';
import type { WechatClient } from './wechat/client.js';
import type { WechatSessionKeys } from './wechat/sessionKeys.js';

/** The read models as the handlers see them: where their tables are, and how to wait for a write to show. */
export interface ReadModels {
  /** Qualified name of a projection's table (it may change when a projection is rebuilt). */
  table(projection: string, table: string): string;
  /**
   * Resolves once the projection has applied everything up to `position`, so the next read sees the
   * write just made. Bounded: on timeout it resolves anyway (the write itself is safe) and logs.
   */
  waitFor(projection: string, position: GlobalPosition | undefined): Promise<void>;
}

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

export function execute<C, S, E extends DomainEvent>(
  rt: AuthRuntime,
  streamName: string,
  decider: Decider<C, S, E>,
  command: C,
  context: RequestContext | undefined,
  nowMs: number,
): Promise<CommandResult<S, E>> {
  return handleCommand(rt.store, streamName, decider, command, {
    metadata: {
      occurredAt: new Date(nowMs).toISOString(),
      ...(context?.requestId ? { correlationId: context.requestId } : {}),
      ...(context?.actor ? { actor: context.actor } : {}),
      ...(context?.traceparent ? { traceparent: context.traceparent } : {}),
      ...(context?.tracestate ? { tracestate: context.tracestate } : {}),
    },
    newEventId: rt.newId,
  });
}

export const isoAt = (ms: number): string => new Date(ms).toISOString();
