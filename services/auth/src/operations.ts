/**
 * The RPC operations of `cairn.rpc.auth.<op>`, exactly the contract's (shared/src/contracts/auth.ts):
 * each payload is validated with the contract's request schema, and the operations that create things
 * honour the request's idempotency key.
 */
import type { RpcHandler } from '@cairn/shared/bus';
import { type AuthOperation, authOperations as contract } from '@cairn/shared/contracts';
import type { IdempotencyStore } from '@cairn/shared/idempotency';
import { login, register, wechatLogin } from './logins/handlers.js';
import { createOrg, listOrgs } from './orgs/handlers.js';
import { createRole, deleteRole, listRoles, updateRole } from './roles/handlers.js';
import { operation } from './rpc.js';
import type { AuthRuntime } from './runtime.js';
import { listRevokedSessions, logout, refreshSession } from './sessions/handlers.js';
import { createUser, disableUser, getUser, listUsers, me, updateUser } from './users/handlers.js';

export function authOperations(rt: AuthRuntime, idempotency: IdempotencyStore): Record<AuthOperation, RpcHandler> {
  const idempotent = <Req, Res>(name: AuthOperation, handler: RpcHandler<Req, Res>) => idempotency.wrap(name, handler);
  return {
    register: idempotent(
      'register',
      operation(contract.register.request, (input, ctx) => register(rt, input, ctx)),
    ),
    login: idempotent(
      'login',
      operation(contract.login.request, (input, ctx) => login(rt, input, ctx)),
    ),
    adminLogin: operation(contract.adminLogin.request, (input, ctx) => login(rt, { ...input, userType: 'admin' }, ctx)),
    wechatLogin: operation(contract.wechatLogin.request, (input, ctx) => wechatLogin(rt, input, ctx)),
    refresh: idempotent(
      'refresh',
      operation(contract.refresh.request, (input, ctx) => refreshSession(rt, input.refreshToken, ctx)),
    ),
    logout: operation(contract.logout.request, (_input, ctx) => logout(rt, ctx)),
    // The hot path: no schema parse for a payload that carries nothing.
    me: (_payload, ctx) => me(rt, ctx),
    jwks: async () => rt.keys.jwks,
    revokedSessions: async () => listRevokedSessions(rt),
    listUsers: operation(contract.listUsers.request, (input, ctx) => listUsers(rt, input, ctx)),
    createUser: idempotent(
      'createUser',
      operation(contract.createUser.request, (input, ctx) => createUser(rt, input, ctx)),
    ),
    getUser: operation(contract.getUser.request, (input, ctx) => getUser(rt, input, ctx)),
    updateUser: operation(contract.updateUser.request, (input, ctx) => updateUser(rt, input, ctx)),
    disableUser: operation(contract.disableUser.request, (input, ctx) => disableUser(rt, input, ctx)),
    listRoles: operation(contract.listRoles.request, (input, ctx) => listRoles(rt, input, ctx)),
    createRole: idempotent(
      'createRole',
      operation(contract.createRole.request, (input, ctx) => createRole(rt, input, ctx)),
    ),
    updateRole: operation(contract.updateRole.request, (input, ctx) => updateRole(rt, input, ctx)),
    deleteRole: operation(contract.deleteRole.request, (input, ctx) => deleteRole(rt, input, ctx)),
    listOrgs: operation(contract.listOrgs.request, (input, ctx) => listOrgs(rt, input, ctx)),
    createOrg: idempotent(
      'createOrg',
      operation(contract.createOrg.request, (input, ctx) => createOrg(rt, input, ctx)),
    ),
  };
}
