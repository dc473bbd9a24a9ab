/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (never written by hand), served at
 * `/openapi.json`, with the interactive UI at `/docs`. Headers the gateway reads itself (If-Match on
 * versioned writes, Idempotency-Key on POSTs) are added to the documented operations here, because
 * declaring them as validated header schemas would cost every request a header parse.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

const ifMatchHeader = {
  type: 'string',
  description: 'W/"<version>" of the resource being replaced (alternative to `version` in the body)',
};
const idempotencyKeyHeader = {
  type: 'string',
  maxLength: 255,
  description: 'A repeat with the same key and body returns the first result',
};

function transform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const result = jsonSchemaTransform(input);
  const config = (input.route as { config?: { versioned?: boolean } }).config;
  const methods = [input.route.method].flat();
  const headers: Record<string, unknown> = {};
  if (config?.versioned === true) headers['if-match'] = ifMatchHeader;
  if (methods.includes('POST')) headers['idempotency-key'] = idempotencyKeyHeader;
  if (Object.keys(headers).length === 0 || result.schema.hide === true) return result;
  return { ...result, schema: { ...result.schema, headers: { type: 'object', properties: headers } } };
}

export interface OpenApiOptions {
  readonly version: string;
}

const openApiPlugin: FastifyPluginAsync<OpenApiOptions> = async (app, options) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cairn API',
        description: 'REST and WebSocket API of the Cairn platform. Every answer is an envelope.',
        version: options.version,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};

/** The docs UI: registered after the routes; its own CSP admits the UI's scripts and styles. */
export const docsPlugin: FastifyPluginAsync = async (app) => {
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
};

export default fp(openApiPlugin, { name: 'cairn-openapi' });
