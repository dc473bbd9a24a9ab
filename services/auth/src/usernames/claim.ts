/** Claiming and releasing usernames through their claim streams (see username.ts). */
import type { RequestContext } from '@cairn/shared/bus';
import { type AuthRuntime, execute, isoAt } from '../runtime.js';
import { userStream } from '../users/user.js';
import { usernameDecider } from './decide.js';
import { evolveUsername, initialUsernameState, type UsernameEvent, usernameStream } from './username.js';

/** A claim whose user still does not exist after this long was left by a crash and may be taken over. */
const ORPHAN_AFTER_MS = 60_000;

export async function claimUsername(
  rt: AuthRuntime,
  username: string,
  userId: string,
  context: RequestContext | undefined,
): Promise<void> {
  const stream = usernameStream(username);
  const current = (await rt.store.readStream<UsernameEvent>(stream)).events.reduce(
    (state, e) => evolveUsername(state, { type: e.type, data: e.data } as UsernameEvent),
    initialUsernameState(),
  );
  let ownerWithoutUser: string | undefined;
  if (current.kind === 'claimed' && current.userId !== userId) {
    const owner = await rt.store.readStream(userStream(current.userId));
    if (!owner.exists) ownerWithoutUser = current.userId;
  }
  const now = rt.now();
  await execute(
    rt,
    stream,
    usernameDecider,
    {
      type: 'ClaimUsername',
      username,
      userId,
      now: isoAt(now),
      orphanAfterMs: ORPHAN_AFTER_MS,
      ...(ownerWithoutUser ? { ownerWithoutUser } : {}),
    },
    context,
    now,
  );
}

/** Gives a username back after its user could not be created; best effort (a later claim can take it over). */
export async function releaseUsername(
  rt: AuthRuntime,
  username: string,
  userId: string,
  context: RequestContext | undefined,
): Promise<void> {
  const now = rt.now();
  try {
    await execute(
      rt,
      usernameStream(username),
      usernameDecider,
      { type: 'ReleaseUsername', userId, now: isoAt(now) },
      context,
      now,
    );
  } catch (error) {
    rt.logger.warn({ err: error, userId }, 'could not release a username claim');
  }
}

/** The id of the user holding a username, if any (read from the claim stream: always current). */
export async function userIdOfUsername(rt: AuthRuntime, username: string): Promise<string | undefined> {
  const state = (await rt.store.readStream<UsernameEvent>(usernameStream(username))).events.reduce(
    (s, e) => evolveUsername(s, { type: e.type, data: e.data } as UsernameEvent),
    initialUsernameState(),
  );
  return state.kind === 'claimed' ? state.userId : undefined;
}
