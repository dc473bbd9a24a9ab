/**
 * Roles: platform admins manage every role and create global ones; holders of `roles:write` manage the
 * roles of their own org (a role they create belongs to their org). Global roles are visible to every
 * org but changeable only by platform admins; another org's role answers 404.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { Role } from '@cairn/shared/contracts';
import type { CommandResult } from '@cairn/shared/eventstore';
import { DomainError, forbidden, type Page } from '@cairn/shared/http';
import { callerOf, inScope, roleScope, type Scope } from '../access/policy.js';
import { type AuthRuntime, execute, isoAt } from '../runtime.js';
import { roleDecider, roleNotFound } from './decide.js';
import { queryRoles, ROLES_PROJECTION, roleRowToView } from './readModel.js';
import { type KnownRole, type RoleEvent, type RoleState, type RoleStatus, roleStream } from './role.js';

const toView = (role: KnownRole): Role => ({
  id: role.id,
  name: role.name,
  permissions: [...role.permissions],
  status: role.status,
  orgId: role.orgId,
  version: role.version,
  createdAt: role.createdAt,
  updatedAt: role.updatedAt,
});

export async function listRoles(
  rt: AuthRuntime,
  input: { status?: RoleStatus | undefined; page: number; pageSize: number },
  context: RequestContext,
): Promise<Page<Role>> {
  const scope = roleScope(await callerOf(context.actor, rt.directory), 'read');
  const { rows, total } = await queryRoles(rt.pool, rt.readModels.table(ROLES_PROJECTION, 'roles'), {
    ...(input.status ? { status: input.status } : {}),
    ...(scope.kind === 'org' ? { visibleToOrg: scope.orgId } : {}),
    page: input.page,
    pageSize: input.pageSize,
  });
  return { items: rows.map(roleRowToView), page: input.page, pageSize: input.pageSize, total };
}

export async function createRole(
  rt: AuthRuntime,
  input: { name: string; permissions: string[]; status: RoleStatus },
  context: RequestContext,
): Promise<Role> {
  const scope = roleScope(await callerOf(context.actor, rt.directory), 'write');
  const roleId = rt.newId();
  const now = rt.now();
  const result = await execute(
    rt,
    roleStream(roleId),
    roleDecider,
    {
      type: 'CreateRole',
      roleId,
      name: input.name,
      permissions: input.permissions,
      status: input.status,
      orgId: scope.kind === 'org' ? scope.orgId : null,
      now: isoAt(now),
    },
    context,
    now,
  );
  return settle(rt, roleId, result);
}

export async function updateRole(
  rt: AuthRuntime,
  input: { id: string; version?: number | undefined; name: string; permissions: string[]; status: RoleStatus },
  context: RequestContext,
): Promise<Role> {
  const scope = roleScope(await callerOf(context.actor, rt.directory), 'write');
  await changeableRole(rt, scope, input.id);
  const now = rt.now();
  let result: CommandResult<RoleState, RoleEvent>;
  try {
    result = await execute(
      rt,
      roleStream(input.id),
      roleDecider,
      {
        type: 'UpdateRole',
        ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
        name: input.name,
        permissions: input.permissions,
        status: input.status,
        now: isoAt(now),
      },
      context,
      now,
    );
  } catch (error) {
    // The contract's VERSION_CONFLICT carries the current copy for a caller who may see it (this one may).
    if (error instanceof DomainError && error.code === 'VERSION_CONFLICT') {
      const current = await rt.directory.roles.fresh(input.id);
      throw new DomainError('VERSION_CONFLICT', error.message, {
        ...(error.details as object),
        ...(current.kind === 'existing' ? { currentVersion: current.version, current: toView(current) } : {}),
      });
    }
    throw error;
  }
  return settle(rt, input.id, result);
}

/** Soft delete: the role leaves every listing and grants nothing; the answer shows it as inactive. */
export async function deleteRole(rt: AuthRuntime, input: { id: string }, context: RequestContext): Promise<Role> {
  const scope = roleScope(await callerOf(context.actor, rt.directory), 'write');
  await changeableRole(rt, scope, input.id);
  const now = rt.now();
  const result = await execute(
    rt,
    roleStream(input.id),
    roleDecider,
    { type: 'DeleteRole', now: isoAt(now) },
    context,
    now,
  );
  return settle(rt, input.id, result);
}

async function changeableRole(rt: AuthRuntime, scope: Scope, id: string): Promise<KnownRole> {
  const role = await rt.directory.roles.fresh(id);
  if (role.kind !== 'existing') throw roleNotFound();
  if (scope.kind === 'org' && role.orgId === null) throw forbidden('Only a platform admin can change global roles');
  if (!inScope(scope, role.orgId)) throw roleNotFound();
  return role;
}

async function settle(rt: AuthRuntime, id: string, result: CommandResult<RoleState, RoleEvent>): Promise<Role> {
  rt.directory.roles.put(id, result.state, result.version);
  await rt.readModels.waitFor(ROLES_PROJECTION, result.append?.position);
  return toView(result.state as KnownRole);
}
