/**
 * The contract's 409 VERSION_CONFLICT: the version the caller named is not the current one. Details
 * carry the current version and the current copy as the API shows it (`null` and version 0 when there
 * is nothing), so the client can merge without another read.
 */
import { DomainError } from '@cairn/shared/http';

export function versionConflict(
  what: string,
  currentVersion: number,
  current: unknown,
  message = `The ${what} was changed by someone else`,
): DomainError {
  return new DomainError('VERSION_CONFLICT', message, { currentVersion, current });
}
