/**
 * User management (seed 000) with org isolation, and `me`. See access/policy.ts for who may do what.
 * Writes answer from the state `handleCommand` returned and wait for the read model before answering,
 * so a list right after a write shows it.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { User, UserType } from '@cairn/shared/contracts';
import type { CommandResult } from '@cairn/shared/eventstore';
import type { Page } from '@cairn/shared/http';
import { DomainError, forbidden, unauthorized } from '@cairn/shared/http';
import { callerOf, inScope, type Scope, userNotFoundError, userScope } from '../access/policy.js';
import { orgStream } from '../orgs/org.js';
import { type AuthRuntime, execute, isoAt } from '../runtime.js';
import { revokeSessionsOfUser } from '../sessions/handlers.js';
import { SESSIONS_PROJECTION } from '../sessions/readModel.js';
import { createAccount } from './accounts.js';
import { userDecider } from './decide.js';
import { queryUsers, USERS_PROJECTION, type UserRow } from './readModel.js';
import { type ExistingUser, type UserEvent, type UserState, userStream } from './user.js';

export async function me(rt: AuthRuntime, context: RequestContext): Promise<User> {
  const actor = context.actor;
  if (actor?.kind !== 'user') throw unauthorized();
  const view = await rt.directory.view(actor.id);
  // A disabled user's sessions are revoked, but a request may race the gateway hearing of it.
  if (view?.status !== 'active') throw unauthorized('Your account is not active');
  return view;
}

export interface ListUsersInput {
  readonly orgId?: string | undefined;
  readonly q?: string | undefined;
  readonly status?: 'active' | 'disabled' | undefined;
  readonly page: number;
  readonly pageSize: number;
}

export async function listUsers(rt: AuthRuntime, input: ListUsersInput, context: RequestContext): Promise<Page<User>> {
  const scope = userScope(await callerOf(context.actor, rt.directory), 'read');
  const empty = { items: [], page: input.page, pageSize: input.pageSize, total: 0 };
  // An org admin's listing is always their own org; asking for another org shows nothing.
  if (scope.kind === 'org' && input.orgId !== undefined && input.orgId !== scope.orgId) return empty;
  const orgId = scope.kind === 'org' ? scope.orgId : input.orgId;
  const { rows, total } = await queryUsers(rt.pool, rt.readModels.table(USERS_PROJECTION, 'users'), {
    ...(orgId !== undefined ? { orgId } : {}),
    ...(input.q !== undefined ? { q: input.q } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    page: input.page,
    pageSize: input.pageSize,
  });
  const items = await Promise.all(rows.map((row) => rowToView(rt, row)));
  return { items, page: input.page, pageSize: input.pageSize, total };
}

const NO_PERMISSIONS: readonly string[] = [];

async function rowToView(rt: AuthRuntime, row: UserRow): Promise<User> {
  // Most users hold no role: no lookup then (the reply is copied on its way out, so sharing is safe).
  const permissions =
    row.roleIds.length === 0 ? (NO_PERMISSIONS as string[]) : await rt.directory.permissionsOf(row.roleIds);
  return { ...row, permissions };
}

export async function getUser(rt: AuthRuntime, input: { id: string }, context: RequestContext): Promise<User> {
  const caller = await callerOf(context.actor, rt.directory);
  // Reading yourself needs no permission (it is what `me` shows anyway).
  if (input.id !== caller.user.id) {
    const scope = userScope(caller, 'read');
    await visibleTarget(rt, scope, input.id, false);
  }
  const view = await rt.directory.view(input.id);
  if (!view) throw userNotFoundError();
  return view;
}

export interface CreateUserInput {
  readonly username: string;
  readonly password: string;
  readonly displayName?: string | undefined;
  readonly userType: UserType;
  readonly orgId?: string | undefined;
  readonly roleIds: string[];
}

export async function createUser(rt: AuthRuntime, input: CreateUserInput, context: RequestContext): Promise<User> {
  const caller = await callerOf(context.actor, rt.directory);
  const scope = userScope(caller, 'write');
  const orgId = input.orgId ?? (scope.kind === 'org' ? scope.orgId : null);
  assertOrgAdminLimits(scope, orgId, input.userType, undefined);
  if (orgId !== null) await requireOrg(rt, orgId);
  const roleIds = [...new Set(input.roleIds)];
  await requireAssignableRoles(rt, roleIds, orgId);
  const user = await createAccount(
    rt,
    {
      kind: 'administrative',
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash: await rt.passwords.hash(input.password),
      userType: input.userType,
      orgId,
      roleIds,
    },
    context,
  );
  rt.logger.info({ userId: user.id, by: caller.user.id }, 'user created');
  return rt.directory.toView(user);
}

export interface UpdateUserInput {
  readonly id: string;
  readonly version: number;
  readonly displayName: string;
  readonly userType: UserType;
  readonly orgId: string | null;
  readonly roleIds: string[];
  readonly status: 'active' | 'disabled';
  readonly password?: string | undefined;
}

export async function updateUser(rt: AuthRuntime, input: UpdateUserInput, context: RequestContext): Promise<User> {
  const caller = await callerOf(context.actor, rt.directory);
  const scope = userScope(caller, 'write');
  const target = await visibleTarget(rt, scope, input.id, true);
  assertOrgAdminLimits(scope, input.orgId, input.userType, target);
  if (input.id === caller.user.id && input.status === 'disabled')
    throw forbidden('You cannot disable your own account');
  if (input.orgId !== null && input.orgId !== target.orgId) await requireOrg(rt, input.orgId);
  const roleIds = [...new Set(input.roleIds)];
  // Only newly added roles are checked: a role deleted since it was assigned must not block other edits.
  await requireAssignableRoles(
    rt,
    roleIds.filter((id) => !target.roleIds.includes(id)),
    input.orgId,
  );
  const passwordHash = input.password !== undefined ? await rt.passwords.hash(input.password) : undefined;
  const now = rt.now();
  let result: CommandResult<UserState, UserEvent>;
  try {
    result = await execute(
      rt,
      userStream(input.id),
      userDecider,
      {
        type: 'UpdateUser',
        expectedVersion: input.version,
        displayName: input.displayName,
        userType: input.userType,
        orgId: input.orgId,
        roleIds,
        status: input.status,
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        now: isoAt(now),
      },
      context,
      now,
    );
  } catch (error) {
    if (error instanceof DomainError && error.code === 'VERSION_CONFLICT') {
      const current = await rt.directory.users.fresh(input.id);
      throw new DomainError('VERSION_CONFLICT', error.message, {
        currentVersion: current.kind === 'existing' ? current.version : undefined,
        ...(current.kind === 'existing' ? { current: await rt.directory.toView(current) } : {}),
      });
    }
    throw error;
  }
  const updated = result.state as ExistingUser;
  rt.directory.users.put(input.id, updated, result.version);
  await rt.readModels.waitFor(USERS_PROJECTION, result.append?.position);
  if (result.newEvents.some((e) => e.type === 'UserDisabled')) {
    await rt.readModels.waitFor(SESSIONS_PROJECTION, result.append?.position);
    await revokeSessionsOfUser(rt, input.id, context);
  }
  return rt.directory.toView(updated);
}

export async function disableUser(rt: AuthRuntime, input: { id: string }, context: RequestContext): Promise<User> {
  const caller = await callerOf(context.actor, rt.directory);
  const scope = userScope(caller, 'write');
  await visibleTarget(rt, scope, input.id, true);
  if (input.id === caller.user.id) throw forbidden('You cannot disable your own account');
  const now = rt.now();
  const result = await execute(
    rt,
    userStream(input.id),
    userDecider,
    { type: 'DisableUser', now: isoAt(now) },
    context,
    now,
  );
  const disabled = result.state as ExistingUser;
  rt.directory.users.put(input.id, disabled, result.version);
  await rt.readModels.waitFor(USERS_PROJECTION, result.append?.position);
  // Every session started before the disable is in the read model once it reaches this position; later
  // ones cannot start (logins and refreshes check the user's status).
  await rt.readModels.waitFor(SESSIONS_PROJECTION, result.append?.position);
  const revoked = await revokeSessionsOfUser(rt, input.id, context);
  rt.logger.info({ userId: input.id, by: caller.user.id, revokedSessions: revoked }, 'user disabled');
  return rt.directory.toView(disabled);
}

/** The target user if the scope covers it; otherwise 404, exactly as if it did not exist. */
async function visibleTarget(rt: AuthRuntime, scope: Scope, id: string, fresh: boolean): Promise<ExistingUser> {
  const target = fresh ? await rt.directory.users.fresh(id) : await rt.directory.users.get(id);
  if (target.kind === 'absent' || !inScope(scope, target.orgId)) throw userNotFoundError();
  return target;
}

/** What an org admin may not do: place users outside their org, or make admins. */
function assertOrgAdminLimits(
  scope: Scope,
  orgId: string | null,
  userType: UserType,
  target: ExistingUser | undefined,
): void {
  if (scope.kind !== 'org') return;
  if (orgId !== scope.orgId) throw forbidden('You can only manage users of your own organisation');
  if (userType === 'admin' && target?.userType !== 'admin') throw forbidden('Only a platform admin can make admins');
}

async function requireOrg(rt: AuthRuntime, orgId: string): Promise<void> {
  const org = await rt.store.readStream(orgStream(orgId));
  if (!org.exists) throw new DomainError('ORG_NOT_FOUND', 'Organisation not found', { orgId });
}

/** Roles must exist and be global or of the user's org. */
async function requireAssignableRoles(
  rt: AuthRuntime,
  roleIds: readonly string[],
  orgId: string | null,
): Promise<void> {
  for (const roleId of roleIds) {
    const role = await rt.directory.roles.get(roleId);
    if (role.kind !== 'existing' || (role.orgId !== null && role.orgId !== orgId)) {
      throw new DomainError('ROLE_NOT_FOUND', 'Role not found', { roleId });
    }
  }
}
