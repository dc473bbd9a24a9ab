/** Validation at the service's edge: every payload is parsed with the contract's zod schema first. */

import type { z } from 'zod';
import type { RequestContext, RpcHandler } from '../bus/port.js';
import { DomainError } from '../http/errors.js';

export function operation<S extends z.ZodType, R>(
  schema: S,
  handler: (input: z.infer<S>, context: RequestContext) => Promise<R>,
): RpcHandler<unknown, R> {
  return async (payload, context) => {
    const parsed = schema.safeParse(payload ?? {});
    if (!parsed.success) {
      throw new DomainError(
        'VALIDATION_ERROR',
        'The request is not valid',
        parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
      );
    }
    return handler(parsed.data, context);
  };
}
