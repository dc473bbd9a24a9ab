/**
 * The contract's error codes and their HTTP statuses, in one place. Services throw `DomainError`;
 * the bus carries `{code, message, details}`; the gateway turns it into the envelope and status.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_VERSION: 400,
  UNAUTHORIZED: 401,
  INSUFFICIENT_CREDITS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  ROLE_NOT_FOUND: 404,
  ORG_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  TAG_NOT_FOUND: 404,
  SETTING_NOT_FOUND: 404,
  BINDING_NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  CONFLICT: 409,
  SNAPSHOT_REQUIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Status for a code; an unknown code (e.g. from a newer service) is treated by its suffix, else 500. */
export function statusOf(code: string): number {
  if (code in ERROR_STATUS) return ERROR_STATUS[code as ErrorCode];
  if (code.endsWith('_NOT_FOUND')) return 404;
  return 500;
}

/** A refusal the caller can act on. Its message is shown to clients, so it must not leak internals. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Resource', code: ErrorCode = 'NOT_FOUND') =>
  new DomainError(code, `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') => new DomainError('FORBIDDEN', message);
export const unauthorized = (message = 'Authentication required') => new DomainError('UNAUTHORIZED', message);
export const conflict = (message: string, details?: unknown) => new DomainError('CONFLICT', message, details);
export const validationError = (message: string, details?: unknown) =>
  new DomainError('VALIDATION_ERROR', message, details);
