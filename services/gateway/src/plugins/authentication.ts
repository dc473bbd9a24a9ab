/**
 * Bearer-token authentication. A route declares who may call it with `config.auth`; this plugin adds
 * the check to such routes (and the bearer scheme to their OpenAPI operation). The token is read
 * lazily and at most once per request, so the rate limiter (keyed by user) and the check share it,
 * and public routes never pay for a verification.
 */
import type { AuthenticatedActor } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import type { FastifyPluginAsync, FastifyRequest, preParsingHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthOutcome, AuthRequirement } from '../context.js';

const ANONYMOUS: AuthOutcome = { kind: 'anonymous' };
const MALFORMED: AuthOutcome = { kind: 'refused', code: 'UNAUTHORIZED', message: 'Malformed Authorization header' };

/** The token of `Bearer <token>` (scheme case-insensitive), else undefined. No regex: this runs per request. */
function bearerToken(header: string): string | undefined {
  if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token.length === 0 || token.includes(' ') ? undefined : token;
}

/** The caller as the request's bearer token says, verified once and remembered on the request. */
export async function authenticate(request: FastifyRequest): Promise<AuthOutcome> {
  return authenticateNow(request) ?? verifyAndRemember(request);
}

/**
 * The outcome when it is known without waiting: remembered on the request, no or a malformed header,
 * or a token verified before. Undefined when the token's signature has yet to be checked.
 */
function authenticateNow(request: FastifyRequest): AuthOutcome | undefined {
  if (request.authOutcome !== null) return request.authOutcome;
  const header = request.headers.authorization;
  let outcome: AuthOutcome | undefined;
  if (header === undefined || header === '') outcome = ANONYMOUS;
  else {
    const token = bearerToken(header);
    outcome = token === undefined ? MALFORMED : request.server.cairn.verifier.verifyCached(token);
  }
  if (outcome !== undefined) request.authOutcome = outcome;
  return outcome;
}

async function verifyAndRemember(request: FastifyRequest): Promise<AuthOutcome> {
  // Only reached with a well-formed bearer token that is not in the verifier's cache.
  const token = bearerToken(request.headers.authorization as string) as string;
  const outcome = await request.server.cairn.verifier.verify(token);
  request.authOutcome = outcome;
  return outcome;
}

/** The verified caller, for handlers of routes that required one. */
export function actorOf(request: FastifyRequest): AuthenticatedActor | undefined {
  const outcome = request.authOutcome;
  return outcome?.kind === 'user' ? outcome.actor : undefined;
}

/** Applies a requirement to an outcome: the actor, or the error to answer with. */
export function authorize(outcome: AuthOutcome, requirement: AuthRequirement): AuthenticatedActor | DomainError {
  if (outcome.kind === 'refused') return new DomainError(outcome.code, outcome.message);
  if (outcome.kind === 'anonymous') return new DomainError('UNAUTHORIZED', 'Authentication required');
  if (requirement !== 'public' && requirement !== 'user' && !requirement.roles.includes(outcome.actor.role)) {
    return new DomainError('FORBIDDEN', 'You are not allowed to do this');
  }
  return outcome.actor;
}

function requireAuth(requirement: AuthRequirement): preParsingHookHandler {
  // preParsing runs after every onRequest hook (the rate limiter's included) and before the body is read,
  // so an anonymous caller cannot make the gateway buffer a large body. Callback style, not async: a
  // token verified before is answered synchronously, without a promise per request.
  return function requireAuthentication(request, _reply, payload, done) {
    const known = authenticateNow(request);
    if (known !== undefined) {
      const result = authorize(known, requirement);
      if (result instanceof DomainError) done(result);
      else done(null, payload);
      return;
    }
    verifyAndRemember(request).then(
      (outcome) => {
        const result = authorize(outcome, requirement);
        if (result instanceof DomainError) done(result);
        else done(null, payload);
      },
      (error: unknown) => done(error as Error),
    );
  };
}

const authenticationPlugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('authOutcome', null);
  app.addHook('onRoute', (route) => {
    const requirement = route.config?.auth;
    if (requirement === undefined || requirement === 'public') return;
    const existing = route.preParsing === undefined ? [] : [route.preParsing].flat();
    route.preParsing = [...existing, requireAuth(requirement)];
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
  });
};

export default fp(authenticationPlugin, { name: 'cairn-authentication' });
