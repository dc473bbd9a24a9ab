/**
 * Claiming and giving back group and tag names through their claim streams (see name-claim.ts). A
 * write that gives something a name runs inside `withNameClaimed`: claim first (the race-free part),
 * then the write; if the write fails and the holder does not hold the name after all, the claim is
 * given back.
 */
import type { RequestContext } from '@cairn/shared/bus';
import { DomainError } from '@cairn/shared/http';
import { type AccountsRuntime, execute, isoAt } from '../../runtime.js';
import {
  evolveNameClaim,
  type HolderStanding,
  type LabelKind,
  type NameClaimEvent,
  type NameClaimState,
  nameClaimDecider,
  nameClaimStream,
  nameKey,
} from './name-claim.js';

/** A claim whose holder does not hold the name may still be completing for this long. */
const STALE_CLAIM_AFTER_MS = 60_000;

/** The kind of thing that holds names, and how to read a holder's standing from its own stream. */
export interface NameHolders {
  readonly kind: LabelKind;
  standingOf(ownerId: string, holderId: string, key: string): Promise<HolderStanding>;
}

export async function claimName(
  rt: AccountsRuntime,
  holders: NameHolders,
  ownerId: string,
  name: string,
  holderId: string,
  context: RequestContext | undefined,
): Promise<void> {
  const stream = nameClaimStream(holders.kind, ownerId, name);
  const current = (await rt.store.readStream<NameClaimEvent>(stream)).events.reduce<NameClaimState>(
    (state, e) => evolveNameClaim(state, { type: e.type, data: e.data } as NameClaimEvent),
    { kind: 'free' },
  );
  const observed =
    current.kind === 'claimed' && current.holderId !== holderId
      ? {
          holderId: current.holderId,
          standing: await holders.standingOf(ownerId, current.holderId, nameKey(name)),
        }
      : undefined;
  const now = rt.now();
  try {
    await execute(
      rt,
      stream,
      nameClaimDecider,
      {
        type: 'ClaimName',
        ownerId,
        holderId,
        now: isoAt(now),
        ...(observed ? { observed } : {}),
        staleAfterMs: STALE_CLAIM_AFTER_MS,
      },
      context,
      now,
    );
  } catch (error) {
    if (error instanceof DomainError && error.code === 'CONFLICT') {
      throw new DomainError('CONFLICT', `A ${holders.kind} named "${name.trim()}" already exists`, {
        name: name.trim(),
        ...(error.details as object),
      });
    }
    throw error;
  }
}

/** Gives a name back; best effort (a stale claim is taken over later, see name-claim.ts). */
export async function releaseName(
  rt: AccountsRuntime,
  kind: LabelKind,
  ownerId: string,
  name: string,
  holderId: string,
  context: RequestContext | undefined,
): Promise<void> {
  const now = rt.now();
  try {
    await execute(
      rt,
      nameClaimStream(kind, ownerId, name),
      nameClaimDecider,
      { type: 'ReleaseName', holderId, now: isoAt(now) },
      context,
      now,
    );
  } catch (error) {
    rt.logger.warn({ err: error, kind, holderId }, 'could not give a name claim back');
  }
}

/** Claims `name` for `holderId`, runs the write, and gives the name back if the write leaves it unheld. */
export async function withNameClaimed<T>(
  rt: AccountsRuntime,
  holders: NameHolders,
  ownerId: string,
  name: string,
  holderId: string,
  context: RequestContext | undefined,
  write: () => Promise<T>,
): Promise<T> {
  await claimName(rt, holders, ownerId, name, holderId, context);
  try {
    return await write();
  } catch (error) {
    const standing = await holders.standingOf(ownerId, holderId, nameKey(name)).catch((): HolderStanding => 'holds');
    if (standing !== 'holds') await releaseName(rt, holders.kind, ownerId, name, holderId, context);
    throw error;
  }
}
