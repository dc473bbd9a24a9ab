/**
 * The auth service's integration events: subjects on the `CAIRN_EVENTS` stream and the zod schemas of
 * their data (the CloudEvents `data`). These are public and versioned: a change that is not purely
 * additive gets a new `.v<N>` subject. They never carry password hashes, refresh-token hashes or WeChat
 * session keys.
 */
import { z } from 'zod';
import { userTypeSchema } from './actor.js';

const occurredAt = z.string();
const userId = z.string();
/**
 * The user's `version` (as the API shows it) once this event's change is made: 1 for a new user, +1 per
 * accepted change. One update may publish several events (profile, roles, status…); they all carry the
 * same version, so a subscriber orders a user's changes by it and treats equal versions as one change.
 */
const version = z.number().int().positive();

export const authUserRegisteredV1 = z.object({
  userId,
  username: z.string(),
  displayName: z.string(),
  userType: z.literal('customer'),
  /** How they signed up: with a password, or through WeChat. */
  via: z.enum(['password', 'wechat']),
  version: z.literal(1),
  occurredAt,
});
export const authUserCreatedV1 = z.object({
  userId,
  username: z.string(),
  displayName: z.string(),
  userType: userTypeSchema,
  orgId: z.string().nullable(),
  roleIds: z.array(z.string()),
  version: z.literal(1),
  occurredAt,
});
export const authUserProfileUpdatedV1 = z.object({
  userId,
  displayName: z.string(),
  userType: userTypeSchema,
  version,
  occurredAt,
});
/** That the password changed, never what to. */
export const authUserPasswordChangedV1 = z.object({ userId, version, occurredAt });
export const authUserRolesAssignedV1 = z.object({ userId, roleIds: z.array(z.string()), version, occurredAt });
export const authUserOrgChangedV1 = z.object({ userId, orgId: z.string().nullable(), version, occurredAt });
export const authUserDisabledV1 = z.object({ userId, version, occurredAt });
export const authUserEnabledV1 = z.object({ userId, version, occurredAt });

export const authSessionStartedV1 = z.object({
  sessionId: z.string(),
  userId,
  userType: userTypeSchema,
  orgId: z.string().nullable(),
  method: z.enum(['password', 'register', 'wechat']),
  occurredAt,
});
export const authSessionRevokedV1 = z.object({
  sessionId: z.string(),
  userId,
  reason: z.enum(['logout', 'refresh_token_reuse', 'user_disabled']),
  occurredAt,
});

const roleFields = {
  roleId: z.string(),
  name: z.string(),
  permissions: z.array(z.string()),
  status: z.enum(['active', 'inactive']),
};
export const authRoleCreatedV1 = z.object({ ...roleFields, orgId: z.string().nullable(), occurredAt });
export const authRoleUpdatedV1 = z.object({ ...roleFields, occurredAt });
export const authRoleDeletedV1 = z.object({ roleId: z.string(), occurredAt });

export const authOrgCreatedV1 = z.object({ orgId: z.string(), name: z.string(), occurredAt });

/** Subject → schema of its data. */
export const authIntegrationEvents = {
  'cairn.auth.user.registered.v1': authUserRegisteredV1,
  'cairn.auth.user.created.v1': authUserCreatedV1,
  'cairn.auth.user.profile-updated.v1': authUserProfileUpdatedV1,
  'cairn.auth.user.password-changed.v1': authUserPasswordChangedV1,
  'cairn.auth.user.roles-assigned.v1': authUserRolesAssignedV1,
  'cairn.auth.user.org-changed.v1': authUserOrgChangedV1,
  'cairn.auth.user.disabled.v1': authUserDisabledV1,
  'cairn.auth.user.enabled.v1': authUserEnabledV1,
  'cairn.auth.session.started.v1': authSessionStartedV1,
  'cairn.auth.session.revoked.v1': authSessionRevokedV1,
  'cairn.auth.role.created.v1': authRoleCreatedV1,
  'cairn.auth.role.updated.v1': authRoleUpdatedV1,
  'cairn.auth.role.deleted.v1': authRoleDeletedV1,
  'cairn.auth.org.created.v1': authOrgCreatedV1,
} as const;

export type AuthIntegrationSubject = keyof typeof authIntegrationEvents;
export type AuthIntegrationEvent = {
  [S in AuthIntegrationSubject]: { readonly subject: S; readonly data: z.infer<(typeof authIntegrationEvents)[S]> };
}[AuthIntegrationSubject];

/**
 * Every auth subject, for consumers' filters. Five tokens exactly: JetStream refuses a filter that is not
 * a subset of the stream's `cairn.*.*.*.*`, which `cairn.auth.>` is not.
 */
export const AUTH_EVENTS_FILTER = 'cairn.auth.*.*.*';
