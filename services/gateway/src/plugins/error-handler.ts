/**
 * One error handler for everything the gateway answers, so every failure has the contract's envelope:
 * domain errors keep their code, Fastify's own errors (bad JSON, too large, wrong media type) get the
 * matching contract code, and anything unexpected is a 500 that reveals nothing about the internals.
 */
import { DomainError, failure, statusOf } from '@cairn/shared/http';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, ResponseSerializationError } from 'fastify-type-provider-zod';

export interface FieldIssue {
  readonly field: string;
  readonly location: string;
  readonly message: string;
}

/** Contract code for a status Fastify or a plugin chose, when the error carries no code of ours. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMIT_EXCEEDED',
  503: 'SERVICE_UNAVAILABLE',
};

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  code: string,
  message: string,
  details?: unknown,
): FastifyReply {
  const status = statusOf(code);
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="cairn"');
  const retryAfter = (details as { retryAfter?: unknown } | undefined)?.retryAfter;
  if (status === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(Math.ceil(retryAfter)));
  return reply.code(status).send(failure(code, message, request.id, details));
}

function validationIssues(error: FastifyError): FieldIssue[] {
  const location = error.validationContext ?? 'body';
  return (error.validation ?? []).map((issue) => {
    const field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    return { field: field || location, location, message: issue.message ?? 'invalid' };
  });
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof DomainError) return sendError(request, reply, error.code, error.message, error.details);

  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = validationIssues(error);
    // A versioned write with a malformed `version` is the contract's INVALID_VERSION, not a plain 400.
    const badVersion =
      request.routeOptions.config.versioned === true &&
      details.some((d) => d.location === 'body' && d.field === 'version');
    return badVersion
      ? sendError(request, reply, 'INVALID_VERSION', 'version must be a positive integer', details)
      : sendError(request, reply, 'VALIDATION_ERROR', 'Request validation failed', details);
  }

  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(request, reply, 'VALIDATION_ERROR', 'Request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(request, reply, 'PAYLOAD_TOO_LARGE', 'Request body is too large', {
        limitBytes: request.routeOptions.bodyLimit,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(request, reply, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type', {
        contentType: request.headers['content-type'] ?? null,
      });
  }
  // secure-json-parse throws plain SyntaxErrors (with statusCode 400) for malformed JSON.
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return sendError(request, reply, 'VALIDATION_ERROR', 'Request body is not valid JSON');
  }

  if (error instanceof ResponseSerializationError) {
    request.log.error({ err: error, cause: error.cause }, 'response does not match its schema');
    return sendError(request, reply, 'INTERNAL_ERROR', 'Internal error');
  }

  const status = error.statusCode ?? 500;
  const code = CODE_BY_STATUS[status];
  // Fastify's own client errors (bad URL, bad content length…) carry safe messages.
  if (status >= 400 && status < 500) return sendError(request, reply, code ?? 'VALIDATION_ERROR', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return sendError(request, reply, 'INTERNAL_ERROR', 'Internal error');
}

const errorHandlerPlugin: FastifyPluginAsync = async (app) => {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    sendError(
      request,
      reply,
      'NOT_FOUND',
      `Route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)} not found`,
    );
  });
};

export default fp(errorHandlerPlugin, { name: 'cairn-error-handler' });
