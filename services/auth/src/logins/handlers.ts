/**
 * Ways in: register, password login (any type, or admins only), and WeChat mini-program login.
 *
 * Refusals, chosen so an attacker learns nothing they did not know:
 * - unknown username, wrong password, a user without a password (WeChat-only), and a user whose type is
 *   not the requested one all get the same 401, after the same amount of hashing work;
 * - a disabled user with the RIGHT password gets 403 FORBIDDEN "This account is disabled": by then the
 *   caller has proven they know the password, and telling them why is more useful than a puzzling 401;
 * - after too many failures for one username, 429 (logins/throttle.ts), even with the right password.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { SessionResult, UserType } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import type { AuthRuntime } from '../runtime.js';
import { execute } from '../runtime.js';
import { startSession } from '../sessions/handlers.js';
import { userIdOfUsername } from '../usernames/claim.js';
import { usernameKey } from '../usernames/username.js';
import { createAccount } from '../users/accounts.js';
import type { ExistingUser } from '../users/user.js';
import { wechatIdentityDecider } from '../wechat/decide.js';
import { type WechatIdentityState, wechatIdentityStream } from '../wechat/identity.js';

const invalidCredentials = (): DomainError => new DomainError('UNAUTHORIZED', 'Invalid username or password');
const accountDisabled = (): DomainError => new DomainError('FORBIDDEN', 'This account is disabled');

export async function register(
  rt: AuthRuntime,
  input: { username: string; password: string; displayName?: string | undefined },
  context: RequestContext,
): Promise<SessionResult> {
  // Hash before claiming: the slow step first keeps the window between claim and user short.
  const passwordHash = await rt.passwords.hash(input.password);
  const user = await createAccount(
    rt,
    {
      kind: 'self-service',
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash,
      via: 'password',
    },
    context,
  );
  rt.logger.info({ userId: user.id }, 'user registered');
  return startSession(rt, user, 'register', context);
}

export async function login(
  rt: AuthRuntime,
  input: { username: string; password: string; userType?: UserType | undefined },
  context: RequestContext,
): Promise<SessionResult> {
  const key = usernameKey(input.username);
  const hadFailures = await rt.throttle.check(key);
  // The claim stream and the user stream are read directly: a password changed a moment ago on
  // another replica must count now, not after a cache catches up.
  const userId = await userIdOfUsername(rt, key);
  const state = userId ? await rt.directory.users.fresh(userId) : undefined;
  const user: ExistingUser | undefined = state?.kind === 'existing' ? state : undefined;
  const matches = user?.passwordHash
    ? await rt.passwords.verify(input.password, user.passwordHash)
    : await rt.passwords.verifyNothing(input.password);
  if (!user || !matches || (input.userType !== undefined && user.userType !== input.userType)) {
    await rt.throttle.recordFailure(key);
    throw invalidCredentials();
  }
  if (user.status !== 'active') {
    await rt.throttle.recordFailure(key);
    throw accountDisabled();
  }
  if (hadFailures) await rt.throttle.reset(key);
  return startSession(rt, user, 'password', context);
}

export async function wechatLogin(
  rt: AuthRuntime,
  input: { code: string },
  context: RequestContext,
): Promise<SessionResult> {
  if (!rt.wechat) throw new DomainError('SERVICE_UNAVAILABLE', 'WeChat login is not configured');
  const wechat = await rt.wechat.codeToSession(input.code);
  const now = rt.now();
  // First login links the openid to a fresh user id; every later (or concurrent) one finds that link.
  const link = await execute(
    rt,
    wechatIdentityStream(wechat.openid),
    wechatIdentityDecider,
    { type: 'LinkWechatIdentity', openid: wechat.openid, userId: rt.newId(), now: new Date(now).toISOString() },
    context,
    now,
  );
  const userId = (link.state as Extract<WechatIdentityState, { kind: 'linked' }>).userId;
  const user = await ensureWechatUser(rt, userId, context);
  if (user.status !== 'active') throw accountDisabled();
  await rt.wechatKeys.save({ openid: wechat.openid, userId, sessionKey: wechat.sessionKey, unionid: wechat.unionid });
  return startSession(rt, user, 'wechat', context);
}

/**
 * The linked user, created on first login. Creating it is idempotent by user id, so a login racing
 * another one (or finishing one that crashed half-way) ends up with the same user.
 */
async function ensureWechatUser(rt: AuthRuntime, userId: string, context: RequestContext): Promise<ExistingUser> {
  const existing = await rt.directory.users.fresh(userId);
  if (existing.kind === 'existing') return existing;
  try {
    return await createAccount(
      rt,
      {
        kind: 'self-service',
        username: `wx_${userId.replaceAll('-', '')}`,
        displayName: 'WeChat user',
        passwordHash: null,
        via: 'wechat',
      },
      context,
      userId,
    );
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'CONFLICT') throw error;
    const created = await rt.directory.users.fresh(userId);
    if (created.kind === 'existing') return created;
    throw new DomainError('SERVICE_UNAVAILABLE', 'Sign-up is in progress; try again shortly');
  }
}
