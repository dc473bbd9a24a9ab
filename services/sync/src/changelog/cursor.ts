/**
 * The sync cursor: opaque to clients, exact for the server. It is the number of the last change of the
 * user's log that the client has seen, wrapped so that clients do not do arithmetic on it and so that
 * the format can change (`c1.` is the version).
 */
import { DomainError } from '@cairn/shared/http';

const PREFIX = 'c1.';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${PREFIX}${seq}`).toString('base64url');
}

/** The change number in a cursor; 400 VALIDATION_ERROR when it is not one of ours. */
export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const digits = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  const seq = /^(0|[1-9][0-9]{0,15})$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new DomainError('VALIDATION_ERROR', 'The cursor is not valid', [
      { field: 'cursor', message: 'not a cursor this server issued' },
    ]);
  }
  return seq;
}
