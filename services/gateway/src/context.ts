/**
 * What the gateway's plugins share, and the Fastify type extensions they rely on. Everything hangs
 * off one decorator (`app.cairn`) so a route module needs no imports beyond its own schemas.
 */
import type { Bus } from '@cairn/shared/bus';
import type { AuthenticatedActor, UserType } from '@cairn/shared/contracts';
import type { Logger } from '@cairn/shared/logging';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RevokedSessions } from './auth/revoked-sessions.js';
import type { TokenVerifier } from './auth/token-verifier.js';
import type { GatewayConfig } from './config.js';

/** Who may call a route: anyone, any signed-in user, or users with one of the listed roles. */
export type AuthRequirement = 'public' | 'user' | { readonly roles: readonly UserType[] };

export interface GatewayContext {
  readonly bus: Bus;
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly verifier: TokenVerifier;
  readonly revocations: RevokedSessions;
  /** Services whose `health` op /ready checks. */
  readonly services: readonly string[];
  /** Flipped once by `close()`: /ready answers 503 from then on. */
  readonly lifecycle: { shuttingDown: boolean };
}

/** The outcome of reading a request's bearer token, computed at most once per request. */
export type AuthOutcome =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly actor: AuthenticatedActor; readonly expiresAtMs: number }
  | { readonly kind: 'refused'; readonly code: 'UNAUTHORIZED' | 'SERVICE_UNAVAILABLE'; readonly message: string };

declare module 'fastify' {
  interface FastifyInstance {
    cairn: GatewayContext;
  }
  interface FastifyRequest {
    /** Memo of `authenticate(request)`; null until first asked. */
    authOutcome: AuthOutcome | null;
  }
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** The route writes a versioned resource: `version` from the body or `If-Match`. */
    versioned?: boolean;
  }
}

export type GatewayApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
