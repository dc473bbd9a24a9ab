/**
 * Group and tag names are unique per user (ignoring case and surrounding spaces) without a unique
 * index: each name is a stream `labelname-<kind>-<ownerId>:<hash of the name's key>`, and a group or
 * tag claims its name by appending to it. The store's compare-and-set lets exactly one of any number
 * of concurrent claims win; the others see the winner and are refused (409 CONFLICT).
 *
 * A claim is given back when its holder is renamed or deleted. If a process dies between a claim and
 * the holder's own event (or fails to give a name back), the claim outlives its purpose; the holder's
 * own stream then shows that it does not hold the name, and a later claim takes it over (at once when
 * the holder is deleted, after `staleAfterMs` otherwise, since a young claim may still be completing).
 */
import { createHash } from 'node:crypto';
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';

export type LabelKind = 'group' | 'tag';

export const NAME_CLAIM_STREAM_PREFIX = 'labelname-';

/** What makes two names the same name. */
export const nameKey = (name: string): string => name.trim().normalize('NFC').toLowerCase();

/** The key is hashed: names are free text, stream names should stay short and plain. */
export const nameClaimStream = (kind: LabelKind, ownerId: string, name: string): string =>
  `${NAME_CLAIM_STREAM_PREFIX}${kind}-${ownerId}:${createHash('sha256').update(nameKey(name)).digest('hex').slice(0, 40)}`;

export type NameClaimEvent =
  | {
      readonly type: 'NameClaimed';
      readonly data: { readonly ownerId: string; readonly holderId: string; readonly at: string };
    }
  | { readonly type: 'NameReleased'; readonly data: { readonly holderId: string; readonly at: string } };

export type NameClaimState =
  | { readonly kind: 'free' }
  | { readonly kind: 'claimed'; readonly holderId: string; readonly claimedAt: string };

export function evolveNameClaim(state: NameClaimState, event: NameClaimEvent): NameClaimState {
  switch (event.type) {
    case 'NameClaimed':
      return { kind: 'claimed', holderId: event.data.holderId, claimedAt: event.data.at };
    case 'NameReleased':
      return state.kind === 'claimed' && state.holderId === event.data.holderId ? { kind: 'free' } : state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** What the claimant found in the current holder's own stream. */
export type HolderStanding = 'holds' | 'deleted' | 'elsewhere';

export type NameClaimCommand =
  | {
      readonly type: 'ClaimName';
      readonly ownerId: string;
      readonly holderId: string;
      readonly now: string;
      /** The holder the claimant looked at, and what it found; applies only if that is still the holder. */
      readonly observed?: { readonly holderId: string; readonly standing: HolderStanding };
      readonly staleAfterMs: number;
    }
  | { readonly type: 'ReleaseName'; readonly holderId: string; readonly now: string };

/** The name is in use by `holderId` (the caller's own group or tag, so its id may be shown). */
export const nameTaken = (holderId: string): DomainError =>
  new DomainError('CONFLICT', 'The name is already in use', { id: holderId });

export function decideNameClaim(command: NameClaimCommand, state: NameClaimState): readonly NameClaimEvent[] {
  switch (command.type) {
    case 'ClaimName': {
      const claimed: NameClaimEvent = {
        type: 'NameClaimed',
        data: { ownerId: command.ownerId, holderId: command.holderId, at: command.now },
      };
      if (state.kind === 'free') return [claimed];
      if (state.holderId === command.holderId) return [];
      const observed = command.observed?.holderId === state.holderId ? command.observed.standing : 'holds';
      const age = Date.parse(command.now) - Date.parse(state.claimedAt);
      if (observed === 'deleted' || (observed === 'elsewhere' && age > command.staleAfterMs)) {
        return [{ type: 'NameReleased', data: { holderId: state.holderId, at: command.now } }, claimed];
      }
      throw nameTaken(state.holderId);
    }
    case 'ReleaseName':
      return state.kind === 'claimed' && state.holderId === command.holderId
        ? [{ type: 'NameReleased', data: { holderId: command.holderId, at: command.now } }]
        : [];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const nameClaimDecider: Decider<NameClaimCommand, NameClaimState, NameClaimEvent> = {
  initialState: () => ({ kind: 'free' }),
  evolve: evolveNameClaim,
  decide: decideNameClaim,
};
