/**
 * Who may manage users, roles and organisations (seed 000):
 * - a platform admin (userType `admin` with no org) manages everything;
 * - an org admin is anyone whose active roles grant `users:write` (or `users:read` to read): they see
 *   and manage only the users of their own org. A user of another org answers 404, exactly like a user
 *   that does not exist, so an org admin cannot probe for ids elsewhere;
 * - roles are managed by platform admins (global roles) and by holders of `roles:write` (their org's);
 * - everyone else gets 403.
 * Permissions come from the caller's current roles (not from the token), so a removed role stops
 * granting at once rather than when the access token expires.
 */
import type { Actor } from '@cairn/shared/eventstore';
import { DomainError, forbidden, unauthorized } from '@cairn/shared/http';
import type { ExistingUser } from '../users/user.js';
import type { UserDirectory } from '../users/view.js';

export type Scope = { readonly kind: 'platform' } | { readonly kind: 'org'; readonly orgId: string };

export interface Caller {
  readonly user: ExistingUser;
  readonly permissions: ReadonlySet<string>;
  readonly sessionId: string | undefined;
}

/** The authenticated, active user behind the request; 401 when there is none. */
export async function callerOf(actor: Actor | undefined, directory: UserDirectory): Promise<Caller> {
  if (actor?.kind !== 'user') throw unauthorized();
  const user = await directory.users.get(actor.id);
  if (user.kind === 'absent' || user.status !== 'active') throw unauthorized('Your account is not active');
  return { user, permissions: new Set(await directory.permissionsOf(user.roleIds)), sessionId: actor.sessionId };
}

export const isPlatformAdmin = (caller: Caller): boolean =>
  caller.user.userType === 'admin' && caller.user.orgId === null;

const grants = (caller: Caller, ...permissions: string[]): boolean =>
  permissions.some((p) => caller.permissions.has(p));

/** The scope in which the caller may read (`read`) or change (`write`) users; 403 when none. */
export function userScope(caller: Caller, mode: 'read' | 'write'): Scope {
  if (isPlatformAdmin(caller)) return { kind: 'platform' };
  const allowed = mode === 'read' ? grants(caller, 'users:read', 'users:write') : grants(caller, 'users:write');
  if (allowed && caller.user.orgId !== null) return { kind: 'org', orgId: caller.user.orgId };
  throw forbidden();
}

/** The scope in which the caller may manage roles; reading is also open to user managers (to assign roles). */
export function roleScope(caller: Caller, mode: 'read' | 'write'): Scope {
  if (isPlatformAdmin(caller)) return { kind: 'platform' };
  const allowed =
    mode === 'read'
      ? grants(caller, 'roles:read', 'roles:write', 'users:read', 'users:write')
      : grants(caller, 'roles:write');
  if (allowed && caller.user.orgId !== null) return { kind: 'org', orgId: caller.user.orgId };
  throw forbidden();
}

/** Whether a user (or role) of `orgId` lies inside the scope. */
export const inScope = (scope: Scope, orgId: string | null): boolean =>
  scope.kind === 'platform' || orgId === scope.orgId;

export const userNotFoundError = (): DomainError => new DomainError('USER_NOT_FOUND', 'User not found');
