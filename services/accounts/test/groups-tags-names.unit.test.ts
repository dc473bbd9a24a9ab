/**
 * Group and tag names are unique per user, ignoring case and surrounding spaces, through claim streams
 * (library/names): the first claim wins, the holder may claim again, others are refused, and a claim
 * outlives its purpose only until someone finds its holder deleted (at once) or holding another name
 * (after a grace period, since a young claim may still be completing).
 */
import { describe, expect, it } from 'vitest';
import { type NameClaimEvent, nameClaimDecider, nameClaimStream, nameKey } from '../src/library/names/name-claim.js';
import { OWNER, spec, T0, T1 } from './support/library-spec.js';

const claims = spec(nameClaimDecider);
const STALE_MS = 60_000;
const claimedByA: NameClaimEvent = { type: 'NameClaimed', data: { ownerId: OWNER, holderId: 'a', at: T0 } };
const claim = (
  holderId: string,
  now = T1,
  observed?: { holderId: string; standing: 'holds' | 'deleted' | 'elsewhere' },
) =>
  ({
    type: 'ClaimName',
    ownerId: OWNER,
    holderId,
    now,
    staleAfterMs: STALE_MS,
    ...(observed ? { observed } : {}),
  }) as const;

describe('names', () => {
  it('are the same whatever their case and surrounding spaces', () => {
    expect(nameKey('  Work ')).toBe(nameKey('work'));
    expect(nameClaimStream('group', OWNER, 'WORK')).toBe(nameClaimStream('group', OWNER, ' work'));
    expect(nameClaimStream('group', OWNER, 'work')).not.toBe(nameClaimStream('tag', OWNER, 'work'));
    expect(nameClaimStream('group', OWNER, 'work')).not.toBe(nameClaimStream('group', 'another-user', 'work'));
  });

  it('go to the first claim; the holder may claim again; anyone else is refused', () => {
    claims.given([]).when(claim('a', T0)).then([claimedByA]);
    claims.given([claimedByA]).when(claim('a')).then([]);
    claims.given([claimedByA]).when(claim('b')).thenFails('CONFLICT', { id: 'a' });
    claims
      .given([claimedByA])
      .when(claim('b', T1, { holderId: 'a', standing: 'holds' }))
      .thenFails('CONFLICT');
  });

  it('are taken over at once from a deleted holder', () => {
    claims
      .given([claimedByA])
      .when(claim('b', T1, { holderId: 'a', standing: 'deleted' }))
      .then([
        { type: 'NameReleased', data: { holderId: 'a', at: T1 } },
        { type: 'NameClaimed', data: { ownerId: OWNER, holderId: 'b', at: T1 } },
      ]);
  });

  it('are taken over from a holder that does not hold them only once the claim is stale', () => {
    const young = '2030-01-01T00:00:30.000Z';
    const old = '2030-01-01T00:01:00.001Z';
    claims
      .given([claimedByA])
      .when(claim('b', young, { holderId: 'a', standing: 'elsewhere' }))
      .thenFails('CONFLICT');
    claims
      .given([claimedByA])
      .when(claim('b', old, { holderId: 'a', standing: 'elsewhere' }))
      .then([
        { type: 'NameReleased', data: { holderId: 'a', at: old } },
        { type: 'NameClaimed', data: { ownerId: OWNER, holderId: 'b', at: old } },
      ]);
  });

  it('ignore what was observed of a holder that is no longer the holder', () => {
    const claimedByC: NameClaimEvent = { type: 'NameClaimed', data: { ownerId: OWNER, holderId: 'c', at: T1 } };
    claims
      .given([claimedByA, { type: 'NameReleased', data: { holderId: 'a', at: T1 } }, claimedByC])
      .when(claim('b', T1, { holderId: 'a', standing: 'deleted' }))
      .thenFails('CONFLICT', { id: 'c' });
  });

  it('are given back only by their holder', () => {
    claims
      .given([claimedByA])
      .when({ type: 'ReleaseName', holderId: 'a', now: T1 })
      .then([{ type: 'NameReleased', data: { holderId: 'a', at: T1 } }]);
    claims.given([claimedByA]).when({ type: 'ReleaseName', holderId: 'b', now: T1 }).then([]);
    claims.given([]).when({ type: 'ReleaseName', holderId: 'a', now: T1 }).then([]);
  });
});
