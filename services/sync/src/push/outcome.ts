/**
 * How the accounts service's answer to one pushed item becomes that item's result: applied (with the
 * new version), conflict (with the server's version and copy, from VERSION_CONFLICT's details), or
 * error (the envelope's code and message).
 */
import type { PushItemResult } from '@cairn/shared/contracts';

export interface ItemAnswer {
  readonly ok: boolean;
  readonly data?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export function outcomeOf(id: string, answer: ItemAnswer, kind: 'write' | 'delete'): PushItemResult {
  if (answer.ok) {
    const version = (answer.data as { version?: unknown } | undefined)?.version;
    return { id, status: 'applied', ...(typeof version === 'number' ? { version } : {}) };
  }
  const error = answer.error ?? { code: 'INTERNAL_ERROR', message: 'No answer' };
  if (error.code === 'VERSION_CONFLICT') {
    const details = (error.details ?? {}) as { currentVersion?: unknown; current?: unknown };
    return {
      id,
      status: 'conflict',
      ...(typeof details.currentVersion === 'number' ? { version: details.currentVersion } : {}),
      ...(details.current !== undefined ? { server: details.current } : {}),
    };
  }
  // Creating what already exists is a conflict the client resolves, like a stale version.
  if (error.code === 'CONFLICT' && kind === 'write') return { id, status: 'conflict' };
  // Deleting what is already gone did what the client wanted.
  if (kind === 'delete' && error.code.endsWith('NOT_FOUND')) return { id, status: 'applied' };
  return {
    id,
    status: 'error',
    error: {
      error: error.code,
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  };
}
