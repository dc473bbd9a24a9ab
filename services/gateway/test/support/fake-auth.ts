/**
 * A FAKE auth service for gateway tests: not the real one (services/auth), only a stand-in on the same
 * bus contract. It signs access tokens with a test Ed25519 key (jose), publishes the JWKS, lists
 * revoked sessions, and answers every auth operation by recording the call and returning a canned,
 * schema-valid result, so tests can assert what the gateway forwarded.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, Closeable, RequestContext } from '@cairn/shared/bus';
import {
  AUTH_SERVICE,
  type AuthOperation,
  SESSION_REVOKED_SUBJECT,
  type User,
  type UserType,
} from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface RecordedCall {
  readonly operation: string;
  readonly payload: any;
  readonly context: RequestContext;
}

export interface TokenOptions {
  readonly userId?: string;
  readonly sessionId?: string;
  readonly role?: UserType;
  readonly orgId?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
}

export interface FakeAuth {
  /** The current signing key's id. */
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly calls: RecordedCall[];
  /** A valid access token (unless the options make it otherwise). */
  token(options?: TokenOptions): Promise<string>;
  /** Marks a session revoked in the list `revokedSessions` answers; `notify` also publishes the notice. */
  revoke(sessionId: string, options?: { notify?: boolean; expiresAt?: number }): void;
  /** A new signing key (published beside the old one), as a key rotation would. */
  rotateKey(): Promise<void>;
  /** Replaces one operation's behaviour. */
  override(operation: string, handler: (payload: any, context: RequestContext) => Promise<unknown>): void;
  callsOf(operation: string): RecordedCall[];
  close(): Promise<void>;
}

export function userFixture(overrides: Partial<User> = {}): User {
  return {
    id: 'user-1',
    username: 'alice',
    displayName: 'Alice',
    userType: 'customer',
    orgId: null,
    roleIds: [],
    permissions: [],
    status: 'active',
    version: 3,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-02T00:00:00.000Z',
    ...overrides,
  };
}

const session = (user: User) => ({
  accessToken: 'access-token',
  refreshToken: 'refresh-token',
  expiresIn: 900,
  sessionId: 'session-from-login',
  user,
});
const page = (items: unknown[]) => ({ items, page: 1, pageSize: 50, total: items.length });
const role = { id: 'role-1', name: 'Agents', permissions: ['users:read'], status: 'active', orgId: null, version: 1 };
const org = { id: 'org-1', name: 'Acme', version: 1 };
const stamps = { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' };

export async function startFakeAuth(bus: Bus): Promise<FakeAuth> {
  const newKey = async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = `test-${randomUUID().slice(0, 8)}`;
    return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } as JWK };
  };
  let current = await newKey();
  const published: JWK[] = [current.publicJwk];
  const calls: RecordedCall[] = [];
  const revoked = new Map<string, number>();
  const overrides = new Map<string, (payload: any, context: RequestContext) => Promise<unknown>>();

  const actorUser = (context: RequestContext) => {
    if (context.actor === undefined) throw new DomainError('UNAUTHORIZED', 'no actor');
    return userFixture({ id: context.actor.id, userType: context.actor.role as UserType });
  };

  const defaults: Record<AuthOperation, (payload: any, context: RequestContext) => unknown> = {
    jwks: () => ({ keys: [...published] }),
    revokedSessions: () => ({ sessions: [...revoked].map(([sessionId, expiresAt]) => ({ sessionId, expiresAt })) }),
    register: (p) => session(userFixture({ username: p.username })),
    login: (p) => session(userFixture({ username: p.username, userType: p.userType ?? 'customer' })),
    adminLogin: (p) => session(userFixture({ username: p.username, userType: 'admin' })),
    wechatLogin: () => session(userFixture({ username: 'wx_user' })),
    refresh: () => session(userFixture()),
    logout: (_p, context) => ({ sessionId: context.actor?.sessionId ?? 'none', revoked: true }),
    me: (_p, context) => actorUser(context),
    listUsers: () => page([userFixture()]),
    createUser: (p) => userFixture({ username: p.username, version: 1 }),
    getUser: (p) => userFixture({ id: p.id }),
    updateUser: (p) => userFixture({ id: p.id, displayName: p.displayName, version: p.version + 1 }),
    disableUser: (p) => userFixture({ id: p.id, status: 'disabled', version: 4 }),
    listRoles: () => page([{ ...role, ...stamps }]),
    createRole: (p) => ({ ...role, name: p.name, ...stamps }),
    updateRole: (p) => ({ ...role, id: p.id, name: p.name, version: 2, ...stamps }),
    deleteRole: (p) => ({ ...role, id: p.id, status: 'inactive', ...stamps }),
    listOrgs: () => page([{ ...org, ...stamps }]),
    createOrg: (p) => ({ ...org, name: p.name, ...stamps }),
  };

  const operations = Object.fromEntries(
    Object.entries(defaults).map(([operation, fallback]) => [
      operation,
      async (payload: unknown, context: RequestContext) => {
        calls.push({ operation, payload, context });
        const custom = overrides.get(operation);
        return custom ? custom(payload, context) : fallback(payload, context);
      },
    ]),
  );
  const served: Closeable = await bus.serve({ name: AUTH_SERVICE, version: '0.0.0-fake', operations });

  return {
    get kid() {
      return current.kid;
    },
    get publicJwk() {
      return current.publicJwk;
    },
    calls,
    async rotateKey() {
      current = await newKey();
      published.push(current.publicJwk);
    },
    async token(options = {}) {
      const claims: Record<string, string> = {
        sid: options.sessionId ?? `session-${randomUUID()}`,
        role: options.role ?? 'customer',
      };
      if (options.orgId !== undefined) claims.org = options.orgId;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: current.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? 'cairn')
        .setAudience(options.audience ?? 'cairn')
        .setSubject(options.userId ?? 'user-1')
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 900))
        .sign(current.privateKey);
    },
    revoke(sessionId, options = {}) {
      const expiresAt = options.expiresAt ?? Date.now() + 900_000;
      revoked.set(sessionId, expiresAt);
      if (options.notify) {
        bus.publish(SESSION_REVOKED_SUBJECT, new TextEncoder().encode(JSON.stringify({ sessionId, expiresAt })));
      }
    },
    override(operation, handler) {
      overrides.set(operation, handler);
    },
    callsOf(operation) {
      return calls.filter((c) => c.operation === operation);
    },
    close: () => served.close(),
  };
}
