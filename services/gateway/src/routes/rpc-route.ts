/**
 * HTTP → RPC, declaratively. A service's REST surface is a list of `rpcRoute({...})` definitions: the
 * helper validates input with the declared zod schemas, checks who may call, sends one bus request to
 * `cairn.rpc.<service>.<operation>` with the request context, and turns the reply into the envelope.
 *
 *   rpcRoute({
 *     method: 'PUT', url: '/api/users/:id', auth: 'user', versioned: true,
 *     service: 'auth', operation: 'updateUser',
 *     schema: { params: z.object({ id: z.string() }), body: updateUserBody },
 *     result: userSchema,
 *   })
 */
import { BusError } from '@cairn/shared/bus';
import type { AuthenticatedActor } from '@cairn/shared/contracts';
import { DomainError, success } from '@cairn/shared/http';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { AuthRequirement, GatewayApp } from '../context.js';
import { actorOf } from '../plugins/authentication.js';
import { sendError } from '../plugins/error-handler.js';
import { rpcContextOf } from '../request-context.js';
import { errorResponses, successEnvelope } from './envelope.js';

type Schema = z.ZodType;
type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a route's `payload` function sees: validated input and the verified caller. */
export interface RpcCall<P, Q, B> {
  readonly params: Output<P>;
  readonly query: Output<Q>;
  readonly body: Output<B>;
  readonly actor: AuthenticatedActor | undefined;
  readonly request: FastifyRequest;
}

export interface RpcRouteDefinition<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly auth: AuthRequirement;
  readonly service: string;
  readonly operation: string;
  readonly schema?: { readonly params?: P; readonly querystring?: Q; readonly body?: B };
  /** Schema of the operation's result (`data` in the envelope); fields outside it never reach the client. */
  readonly result: R;
  /** The RPC payload; default: query, body and path params merged (path params win). */
  readonly payload?: (call: RpcCall<P, Q, B>) => Record<string, unknown>;
  /** Default 200 (201 for creations). */
  readonly successStatus?: 200 | 201 | 202;
  /**
   * A write to a versioned resource: `version` comes from the body or `If-Match: W/"<n>"` and is merged
   * into the payload; missing or malformed is 400 INVALID_VERSION. (Any result with a numeric
   * `version` gets an ETag, versioned or not.)
   */
  readonly versioned?: boolean;
  /** Overrides RPC_TIMEOUT_MS for a slow operation. */
  readonly timeoutMs?: number;
  /** Per-route limiter settings, or false to exempt the route. */
  readonly rateLimit?: false | { readonly max: number; readonly timeWindow: number };
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly operationId?: string;
}

/** Any route definition: a list of routes mixes every schema combination. */
export type AnyRpcRoute = RpcRouteDefinition<any, any, any, any>;

/** Identity with inference: `payload` gets typed params/query/body from the declared schemas. */
export function rpcRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
>(definition: RpcRouteDefinition<P, Q, B, R>): RpcRouteDefinition<P, Q, B, R> {
  return definition;
}

const IF_MATCH = /^(?:W\/)?"([1-9][0-9]{0,14})"$/;
const invalidVersion = (message: string) => new DomainError('INVALID_VERSION', message);

/** `version` from the body or `If-Match`; both present must agree. */
export function versionOf(request: FastifyRequest): number {
  const fromBody = (request.body as { version?: unknown } | null | undefined)?.version;
  const header = request.headers['if-match'];
  let fromHeader: number | undefined;
  if (header !== undefined) {
    const match = typeof header === 'string' ? IF_MATCH.exec(header.trim()) : null;
    if (match === null) throw invalidVersion('If-Match must be W/"<version>"');
    fromHeader = Number(match[1]);
  }
  if (fromBody !== undefined) {
    if (typeof fromBody !== 'number' || !Number.isSafeInteger(fromBody) || fromBody < 1) {
      throw invalidVersion('version must be a positive integer');
    }
    if (fromHeader !== undefined && fromHeader !== fromBody) {
      throw invalidVersion('version in the body and If-Match differ');
    }
    return fromBody;
  }
  if (fromHeader === undefined) throw invalidVersion('version is required: in the body or as If-Match: W/"<version>"');
  return fromHeader;
}

/** A call as the handler builds it, before the route's own types narrow it. */
interface LooseCall {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly actor: AuthenticatedActor | undefined;
  readonly request: FastifyRequest;
}

function defaultPayload(call: LooseCall): Record<string, unknown> {
  return {
    ...(call.query as Record<string, unknown> | undefined),
    ...(call.body as Record<string, unknown> | undefined),
    ...(call.params as Record<string, unknown> | undefined),
  };
}

function setEtag(reply: FastifyReply, data: unknown): void {
  if (data === null || typeof data !== 'object') return;
  const version = (data as { version?: unknown }).version;
  if (typeof version === 'number' && Number.isSafeInteger(version)) reply.header('etag', `W/"${version}"`);
}

export function registerRpcRoute(app: GatewayApp, route: AnyRpcRoute): void {
  const { bus, config } = app.cairn;
  const status = route.successStatus ?? 200;
  const timeoutMs = route.timeoutMs ?? config.RPC_TIMEOUT_MS;
  const buildPayload = (route.payload ?? defaultPayload) as (call: LooseCall) => Record<string, unknown>;
  const versioned = route.versioned === true;
  // `version` may come from If-Match instead, so the body must not insist on it; the handler does.
  const body =
    versioned && route.schema?.body instanceof z.ZodObject
      ? route.schema.body.extend({ version: z.number().int().positive().optional() })
      : route.schema?.body;

  const options: RouteOptions = {
    method: route.method,
    url: route.url,
    config: {
      auth: route.auth,
      versioned,
      ...(route.rateLimit === undefined ? {} : { rateLimit: route.rateLimit }),
    },
    schema: {
      ...(route.schema?.params === undefined ? {} : { params: route.schema.params }),
      ...(route.schema?.querystring === undefined ? {} : { querystring: route.schema.querystring }),
      ...(body === undefined ? {} : { body }),
      response: { [status]: successEnvelope(route.result), ...errorResponses },
      ...(route.summary === undefined ? {} : { summary: route.summary }),
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: route.tags === undefined ? [route.service] : [...route.tags],
      operationId: route.operationId ?? `${route.service}.${route.operation}`,
    },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      let payload = buildPayload({
        params: request.params,
        query: request.query,
        body: request.body,
        actor,
        request,
      });
      if (versioned) payload = { ...payload, version: versionOf(request) };

      let answer: Awaited<ReturnType<typeof bus.request>>;
      try {
        answer = await bus.request(route.service, route.operation, payload, {
          context: rpcContextOf(request, actor, timeoutMs),
          timeoutMs,
        });
      } catch (error) {
        if (error instanceof BusError) {
          request.log.warn({ err: error, service: route.service, operation: route.operation }, 'service unavailable');
          throw new DomainError('SERVICE_UNAVAILABLE', `The ${route.service} service is unavailable; retry later`);
        }
        throw error;
      }
      if (!answer.ok) return sendError(request, reply, answer.error.code, answer.error.message, answer.error.details);
      setEtag(reply, answer.data);
      return reply.code(status).send(success(answer.data, request.id));
    },
  };
  app.route(options);
}

export function registerRpcRoutes(app: GatewayApp, routes: readonly AnyRpcRoute[]): void {
  for (const route of routes) registerRpcRoute(app, route);
}
