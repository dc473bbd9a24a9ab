/**
 * Bodies are JSON only (anything else is 415 until a route registers its own parser, as file uploads
 * will). An empty JSON body counts as no body, so `POST /api/auth/logout` with a stray
 * `Content-Type: application/json` is judged by its schema rather than refused as malformed.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const jsonBodyPlugin: FastifyPluginAsync = async (app) => {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
};

export default fp(jsonBodyPlugin, { name: 'cairn-json-body' });
