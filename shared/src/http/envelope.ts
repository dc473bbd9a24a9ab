/** The response envelope of the contract: every answer of the gateway is one of these two shapes. */

export interface SuccessEnvelope<T> {
  readonly success: true;
  readonly data: T;
  readonly requestId: string;
}

export interface ErrorEnvelope {
  readonly success: false;
  readonly error: string;
  readonly message: string;
  readonly details?: unknown;
  readonly timestamp: number;
  readonly requestId: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export const success = <T>(data: T, requestId: string): SuccessEnvelope<T> => ({ success: true, data, requestId });

export function failure(code: string, message: string, requestId: string, details?: unknown): ErrorEnvelope {
  return {
    success: false,
    error: code,
    message,
    ...(details === undefined ? {} : { details }),
    timestamp: Date.now(),
    requestId,
  };
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
