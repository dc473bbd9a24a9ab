/**
 * Creating a user: claim the username first (the race-free part), then create the user stream. If the
 * second step fails the claim is given back; if the process dies in between, the claim is an orphan that
 * a later claim takes over (usernames/decide.ts).
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { UserType } from '@cairn/shared/contracts';
import { type AuthRuntime, execute, isoAt } from '../runtime.js';
import { claimUsername, releaseUsername } from '../usernames/claim.js';
import { type UserCommand, userDecider } from './decide.js';
import { USERS_PROJECTION } from './readModel.js';
import { type ExistingUser, type UserOrigin, userStream } from './user.js';

export type NewAccount =
  | {
      readonly kind: 'self-service';
      readonly username: string;
      readonly displayName: string;
      readonly passwordHash: string | null;
      readonly via: UserOrigin;
    }
  | {
      readonly kind: 'administrative';
      readonly username: string;
      readonly displayName: string;
      readonly passwordHash: string;
      readonly userType: UserType;
      readonly orgId: string | null;
      readonly roleIds: readonly string[];
    };

export async function createAccount(
  rt: AuthRuntime,
  account: NewAccount,
  context: RequestContext | undefined,
  userId: string = rt.newId(),
): Promise<ExistingUser> {
  await claimUsername(rt, account.username, userId, context);
  const now = rt.now();
  const command: UserCommand =
    account.kind === 'self-service'
      ? {
          type: 'RegisterUser',
          userId,
          username: account.username,
          displayName: account.displayName,
          passwordHash: account.passwordHash,
          via: account.via,
          now: isoAt(now),
        }
      : {
          type: 'CreateUser',
          userId,
          username: account.username,
          displayName: account.displayName,
          passwordHash: account.passwordHash,
          userType: account.userType,
          orgId: account.orgId,
          roleIds: account.roleIds,
          now: isoAt(now),
        };
  try {
    const result = await execute(rt, userStream(userId), userDecider, command, context, now);
    rt.directory.users.put(userId, result.state, result.version);
    await rt.readModels.waitFor(USERS_PROJECTION, result.append?.position);
    return result.state as ExistingUser;
  } catch (error) {
    // Only give the name back if the user really is not there (a concurrent creator of the same id made it).
    const user = await rt.store.readStream(userStream(userId)).catch(() => undefined);
    if (user && !user.exists) await releaseUsername(rt, account.username, userId, context);
    throw error;
  }
}
