/**
 * Auth and identity (CONTRACT.md "Auth and identity"): each route is one operation of the auth
 * service. User, role and org management is for staff: customers are refused here (403); within
 * staff, the auth service decides who is an admin or an org admin, since it receives the actor.
 */
import {
  AUTH_SERVICE,
  adminLoginRequestSchema,
  authOperations,
  createOrgRequestSchema,
  createRoleRequestSchema,
  createUserRequestSchema,
  listOrgsRequestSchema,
  listRolesRequestSchema,
  listUsersRequestSchema,
  loginRequestSchema,
  logoutRequestSchema,
  refreshRequestSchema,
  registerRequestSchema,
  updateRoleRequestSchema,
  updateUserRequestSchema,
  wechatLoginRequestSchema,
} from '@cairn/shared/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthRequirement } from '../context.js';
import { type AnyRpcRoute, rpcRoute, versionOf } from './rpc-route.js';

const STAFF: AuthRequirement = { roles: ['support', 'admin'] };

/**
 * For writes whose version is optional (roles): a version given as `If-Match` counts exactly as one in
 * the body (checked the same way), rather than being silently ignored and losing someone's update.
 */
function optionalVersion(request: FastifyRequest): { version?: number } {
  const inBody = (request.body as { version?: unknown } | null | undefined)?.version !== undefined;
  return inBody || request.headers['if-match'] !== undefined ? { version: versionOf(request) } : {};
}

const idParams = z.object({ id: z.string().min(1).max(100) });
const service = AUTH_SERVICE;
const tags = ['auth'];
const identityTags = ['identity'];

export const authRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'POST',
    url: '/api/auth/register',
    auth: 'public',
    service,
    operation: 'register',
    schema: { body: registerRequestSchema },
    result: authOperations.register.result,
    successStatus: 201,
    summary: 'Register a customer and open a session',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/auth/login',
    auth: 'public',
    service,
    operation: 'login',
    schema: { body: loginRequestSchema },
    result: authOperations.login.result,
    summary: 'Log in (userType: customer, support, admin; Kehu/Kefu accepted)',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/auth/admin/login',
    auth: 'public',
    service,
    operation: 'adminLogin',
    schema: { body: adminLoginRequestSchema },
    result: authOperations.adminLogin.result,
    summary: 'Log in as an admin',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/auth/wechat/login',
    auth: 'public',
    service,
    operation: 'wechatLogin',
    schema: { body: wechatLoginRequestSchema },
    result: authOperations.wechatLogin.result,
    summary: 'Log in with a WeChat mini-program code',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/auth/refresh',
    auth: 'public',
    service,
    operation: 'refresh',
    schema: { body: refreshRequestSchema },
    result: authOperations.refresh.result,
    summary: 'Exchange a refresh token for a new pair',
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/auth/logout',
    auth: 'user',
    service,
    operation: 'logout',
    // No body, an empty one (null) or {}: logout acts on the caller's own session.
    schema: { body: logoutRequestSchema.nullish() },
    payload: () => ({}),
    result: authOperations.logout.result,
    summary: "Revoke the caller's session",
    tags,
  }),
  rpcRoute({
    method: 'GET',
    url: '/api/auth/me',
    auth: 'user',
    service,
    operation: 'me',
    payload: () => ({}),
    result: authOperations.me.result,
    summary: 'The signed-in user',
    tags,
  }),

  rpcRoute({
    method: 'GET',
    url: '/api/users',
    auth: STAFF,
    service,
    operation: 'listUsers',
    schema: { querystring: listUsersRequestSchema },
    result: authOperations.listUsers.result,
    summary: 'List users (admins: all; org admins: their org)',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/users',
    auth: STAFF,
    service,
    operation: 'createUser',
    schema: { body: createUserRequestSchema },
    result: authOperations.createUser.result,
    successStatus: 201,
    summary: 'Create a user',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'GET',
    url: '/api/users/:id',
    auth: STAFF,
    service,
    operation: 'getUser',
    schema: { params: idParams },
    result: authOperations.getUser.result,
    summary: 'Get a user',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/users/:id',
    auth: STAFF,
    versioned: true,
    service,
    operation: 'updateUser',
    schema: { params: idParams, body: updateUserRequestSchema.omit({ id: true }) },
    result: authOperations.updateUser.result,
    summary: 'Replace a user (version in the body or If-Match)',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/users/:id',
    auth: STAFF,
    service,
    operation: 'disableUser',
    schema: { params: idParams },
    result: authOperations.disableUser.result,
    summary: 'Disable a user',
    tags: identityTags,
  }),

  rpcRoute({
    method: 'GET',
    url: '/api/roles',
    auth: STAFF,
    service,
    operation: 'listRoles',
    schema: { querystring: listRolesRequestSchema },
    result: authOperations.listRoles.result,
    summary: 'List roles',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/roles',
    auth: STAFF,
    service,
    operation: 'createRole',
    schema: { body: createRoleRequestSchema },
    result: authOperations.createRole.result,
    successStatus: 201,
    summary: 'Create a role',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'PUT',
    url: '/api/roles/:id',
    auth: STAFF,
    service,
    operation: 'updateRole',
    schema: { params: idParams, body: updateRoleRequestSchema.omit({ id: true }) },
    payload: ({ params, body, request }) => ({ ...body, ...params, ...optionalVersion(request) }),
    result: authOperations.updateRole.result,
    summary: 'Replace a role (version optional: in the body or If-Match)',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'DELETE',
    url: '/api/roles/:id',
    auth: STAFF,
    service,
    operation: 'deleteRole',
    schema: { params: idParams },
    result: authOperations.deleteRole.result,
    summary: 'Delete a role',
    tags: identityTags,
  }),

  rpcRoute({
    method: 'GET',
    url: '/api/orgs',
    auth: STAFF,
    service,
    operation: 'listOrgs',
    schema: { querystring: listOrgsRequestSchema },
    result: authOperations.listOrgs.result,
    summary: 'List organisations',
    tags: identityTags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/orgs',
    auth: STAFF,
    service,
    operation: 'createOrg',
    schema: { body: createOrgRequestSchema },
    result: authOperations.createOrg.result,
    successStatus: 201,
    summary: 'Create an organisation',
    tags: identityTags,
  }),
];
