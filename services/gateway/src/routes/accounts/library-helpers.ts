/**
 * What the routes of groups, tags, settings and machine ids share: versions that are optional (an
 * upsert creates without one) but checked like any write's when given, and the batch size limit
 * enforced before the bus.
 */
import { MAX_ITEMS_PER_BATCH } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { versionOf } from '../rpc-route.js';

/**
 * `version` in a body, left unchecked by the schema so that `versionOf` judges it: a malformed version is
 * the contract's 400 INVALID_VERSION, not a plain validation error.
 */
export const bodyVersion = z
  .unknown()
  .optional()
  .describe('The version you read (a positive integer); or send If-Match: W/"<version>"');

/** A version given in the body or as If-Match, checked as for any write; none at all is fine. */
export function optionalVersion(request: FastifyRequest): { version?: number } {
  const inBody = (request.body as { version?: unknown } | null | undefined)?.version !== undefined;
  return inBody || request.headers['if-match'] !== undefined ? { version: versionOf(request) } : {};
}

/** More than the contract's limit is refused whole (413) before it reaches the service. */
export function atMostOneBatch(count: number): void {
  if (count > MAX_ITEMS_PER_BATCH) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `At most ${MAX_ITEMS_PER_BATCH} items per batch`, {
      limit: MAX_ITEMS_PER_BATCH,
      received: count,
    });
  }
}
