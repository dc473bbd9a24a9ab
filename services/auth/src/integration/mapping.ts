/**
 * The public face of the auth service: which recorded events become integration events, under which
 * subject, with which data. Each payload is built field by field and then parsed with its contract
 * schema (which drops anything it does not name), so a secret added to an internal event can never
 * leak out through here. Refreshes, username claims and WeChat links stay internal.
 */
import { type AuthIntegrationEvent, authIntegrationEvents } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import { ORG_STREAM_PREFIX, type OrgEvent } from '../orgs/org.js';
import { ROLE_STREAM_PREFIX, type RoleEvent } from '../roles/role.js';
import { SESSION_STREAM_PREFIX, type SessionEvent } from '../sessions/session.js';
import { USER_STREAM_PREFIX, type UserEvent } from '../users/user.js';

type Internal = UserEvent | SessionEvent | RoleEvent | OrgEvent;

export function toIntegrationEvent(event: RecordedEvent): AuthIntegrationEvent | undefined {
  const candidate = build(event);
  if (!candidate) return undefined;
  const schema = authIntegrationEvents[candidate.subject];
  return { subject: candidate.subject, data: schema.parse(candidate.data) } as AuthIntegrationEvent;
}

function build(recorded: RecordedEvent): AuthIntegrationEvent | undefined {
  const name = recorded.streamName;
  const idAfter = (prefix: string) => name.slice(prefix.length);
  const e = { type: recorded.type, data: recorded.data } as Internal;
  const occurredAt = (e.data as { at: string }).at;
  if (name.startsWith(USER_STREAM_PREFIX)) {
    const userId = idAfter(USER_STREAM_PREFIX);
    switch (e.type) {
      case 'UserRegistered':
        return {
          subject: 'cairn.auth.user.registered.v1',
          data: {
            userId,
            username: e.data.username,
            displayName: e.data.displayName,
            userType: 'customer',
            via: e.data.via,
            version: 1,
            occurredAt,
          },
        };
      case 'UserCreated':
        return {
          subject: 'cairn.auth.user.created.v1',
          data: {
            userId,
            username: e.data.username,
            displayName: e.data.displayName,
            userType: e.data.userType,
            orgId: e.data.orgId,
            roleIds: [...e.data.roleIds],
            version: 1,
            occurredAt,
          },
        };
      case 'UserProfileUpdated':
        return {
          subject: 'cairn.auth.user.profile-updated.v1',
          data: {
            userId,
            displayName: e.data.displayName,
            userType: e.data.userType,
            version: e.data.version,
            occurredAt,
          },
        };
      case 'UserPasswordChanged':
        return {
          subject: 'cairn.auth.user.password-changed.v1',
          data: { userId, version: e.data.version, occurredAt },
        };
      case 'UserRolesAssigned':
        return {
          subject: 'cairn.auth.user.roles-assigned.v1',
          data: { userId, roleIds: [...e.data.roleIds], version: e.data.version, occurredAt },
        };
      case 'UserOrgChanged':
        return {
          subject: 'cairn.auth.user.org-changed.v1',
          data: { userId, orgId: e.data.orgId, version: e.data.version, occurredAt },
        };
      case 'UserDisabled':
        return { subject: 'cairn.auth.user.disabled.v1', data: { userId, version: e.data.version, occurredAt } };
      case 'UserEnabled':
        return { subject: 'cairn.auth.user.enabled.v1', data: { userId, version: e.data.version, occurredAt } };
      default:
        return undefined;
    }
  }
  if (name.startsWith(SESSION_STREAM_PREFIX)) {
    const sessionId = idAfter(SESSION_STREAM_PREFIX);
    switch (e.type) {
      case 'SessionStarted':
        return {
          subject: 'cairn.auth.session.started.v1',
          data: {
            sessionId,
            userId: e.data.userId,
            userType: e.data.userType,
            orgId: e.data.orgId,
            method: e.data.method,
            occurredAt,
          },
        };
      case 'SessionRevoked':
        return {
          subject: 'cairn.auth.session.revoked.v1',
          data: { sessionId, userId: e.data.userId, reason: e.data.reason, occurredAt },
        };
      default:
        return undefined;
    }
  }
  if (name.startsWith(ROLE_STREAM_PREFIX)) {
    const roleId = idAfter(ROLE_STREAM_PREFIX);
    switch (e.type) {
      case 'RoleCreated':
        return {
          subject: 'cairn.auth.role.created.v1',
          data: {
            roleId,
            name: e.data.name,
            permissions: [...e.data.permissions],
            status: e.data.status,
            orgId: e.data.orgId,
            occurredAt,
          },
        };
      case 'RoleUpdated':
        return {
          subject: 'cairn.auth.role.updated.v1',
          data: { roleId, name: e.data.name, permissions: [...e.data.permissions], status: e.data.status, occurredAt },
        };
      case 'RoleDeleted':
        return { subject: 'cairn.auth.role.deleted.v1', data: { roleId, occurredAt } };
      default:
        return undefined;
    }
  }
  if (name.startsWith(ORG_STREAM_PREFIX) && e.type === 'OrgCreated') {
    return { subject: 'cairn.auth.org.created.v1', data: { orgId: e.data.orgId, name: e.data.name, occurredAt } };
  }
  return undefined;
}
