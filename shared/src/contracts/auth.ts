/**
 * The auth service's RPC contract: operation names on `cairn.rpc.auth.<op>` and the zod schemas of
 * their payloads and results. The gateway validates HTTP input with the request schemas and answers
 * with the result schemas; the auth service validates again at its edge.
 */
import { z } from 'zod';
import { userTypeSchema } from './actor.js';

export const AUTH_SERVICE = 'auth';

/** `Kehu`/`Kefu` (seed 001) are accepted as aliases of customer/support. */
export const loginUserTypeSchema = z
  .enum(['customer', 'support', 'admin', 'Kehu', 'Kefu'])
  .transform((t) => (t === 'Kehu' ? 'customer' : t === 'Kefu' ? 'support' : t));

const username = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only');
const password = z.string().min(8).max(256);
const displayName = z.string().trim().min(1).max(100);
const id = z.string().min(1).max(100);
const version = z.number().int().positive();
const pageQuery = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
};

export const userStatusSchema = z.enum(['active', 'disabled']);

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  userType: userTypeSchema,
  orgId: z.string().nullable(),
  roleIds: z.array(z.string()),
  /** Union of the permissions of the user's active roles. */
  permissions: z.array(z.string()),
  status: userStatusSchema,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const sessionResultSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  sessionId: z.string(),
  user: userSchema,
});
export type SessionResult = z.infer<typeof sessionResultSchema>;

export const registerRequestSchema = z.object({ username, password, displayName: displayName.optional() });
export const loginRequestSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  userType: loginUserTypeSchema.optional(),
});
export const adminLoginRequestSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export const wechatLoginRequestSchema = z.object({ code: z.string().min(1).max(512) });
export const refreshRequestSchema = z.object({ refreshToken: z.string().min(1).max(512) });
/** Logout acts on the caller's own session (from the actor); no payload. */
export const logoutRequestSchema = z.object({}).strict();
export const logoutResultSchema = z.object({ sessionId: z.string(), revoked: z.literal(true) });

export const jwksResultSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
/** Sessions revoked recently enough that an access token of theirs may still be unexpired. */
export const revokedSessionsResultSchema = z.object({
  sessions: z.array(z.object({ sessionId: z.string(), expiresAt: z.number() })),
});
/** Core-NATS notification published by auth before it answers a logout or a reuse revocation. */
export const SESSION_REVOKED_SUBJECT = 'cairn.notify.auth.session-revoked';
export const sessionRevokedNotificationSchema = z.object({ sessionId: z.string(), expiresAt: z.number() });

export const listUsersRequestSchema = z.object({
  orgId: z.string().optional(),
  q: z.string().max(100).optional(),
  status: userStatusSchema.optional(),
  ...pageQuery,
});
export const createUserRequestSchema = z.object({
  username,
  password,
  displayName: displayName.optional(),
  userType: userTypeSchema.default('customer'),
  orgId: id.optional(),
  roleIds: z.array(id).max(50).default([]),
});
export const userIdRequestSchema = z.object({ id });
/** PUT replaces the editable fields; `version` may also come from `If-Match` (the gateway merges it). */
export const updateUserRequestSchema = z.object({
  id,
  version,
  displayName,
  userType: userTypeSchema,
  orgId: id.nullable(),
  roleIds: z.array(id).max(50),
  status: userStatusSchema,
  password: password.optional(),
});

export const roleStatusSchema = z.enum(['active', 'inactive']);
/** Permissions are `<resource>:<action>` strings, e.g. `users:read`, `users:write`, `roles:write`. */
export const permissionSchema = z.string().regex(/^[a-z][a-z0-9-]*:[a-z*][a-z0-9-]*$/, 'resource:action');
export const roleSchema = z.object({
  id: z.string(),
  name: z.string(),
  permissions: z.array(z.string()),
  status: roleStatusSchema,
  orgId: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Role = z.infer<typeof roleSchema>;
export const listRolesRequestSchema = z.object({ status: roleStatusSchema.optional(), ...pageQuery });
export const createRoleRequestSchema = z.object({
  name: z.string().trim().min(1).max(64),
  permissions: z.array(permissionSchema).max(100),
  status: roleStatusSchema.default('active'),
});
export const updateRoleRequestSchema = z.object({
  id,
  version: version.optional(),
  name: z.string().trim().min(1).max(64),
  permissions: z.array(permissionSchema).max(100),
  status: roleStatusSchema,
});
export const roleIdRequestSchema = z.object({ id });

export const orgSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Org = z.infer<typeof orgSchema>;
export const listOrgsRequestSchema = z.object({ ...pageQuery });
export const createOrgRequestSchema = z.object({ name: z.string().trim().min(1).max(100) });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() });

/** Operation name → what it takes and returns. The gateway's routes and the service's handlers both use it. */
export const authOperations = {
  register: { request: registerRequestSchema, result: sessionResultSchema },
  login: { request: loginRequestSchema, result: sessionResultSchema },
  adminLogin: { request: adminLoginRequestSchema, result: sessionResultSchema },
  wechatLogin: { request: wechatLoginRequestSchema, result: sessionResultSchema },
  refresh: { request: refreshRequestSchema, result: sessionResultSchema },
  logout: { request: logoutRequestSchema, result: logoutResultSchema },
  me: { request: z.object({}), result: userSchema },
  jwks: { request: z.object({}), result: jwksResultSchema },
  revokedSessions: { request: z.object({}), result: revokedSessionsResultSchema },
  listUsers: { request: listUsersRequestSchema, result: pageOf(userSchema) },
  createUser: { request: createUserRequestSchema, result: userSchema },
  getUser: { request: userIdRequestSchema, result: userSchema },
  updateUser: { request: updateUserRequestSchema, result: userSchema },
  disableUser: { request: userIdRequestSchema, result: userSchema },
  listRoles: { request: listRolesRequestSchema, result: pageOf(roleSchema) },
  createRole: { request: createRoleRequestSchema, result: roleSchema },
  updateRole: { request: updateRoleRequestSchema, result: roleSchema },
  deleteRole: { request: roleIdRequestSchema, result: roleSchema },
  listOrgs: { request: listOrgsRequestSchema, result: pageOf(orgSchema) },
  createOrg: { request: createOrgRequestSchema, result: orgSchema },
} as const;
export type AuthOperation = keyof typeof authOperations;
