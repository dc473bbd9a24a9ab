/**
 * Everything in the accounts service belongs to the calling user: the owner is the request's actor,
 * and every stream name and read-model row carries it, so another user's resource is simply not
 * found (404, never 403: its existence is not revealed).
 */
import type { RequestContext } from '@cairn/shared/bus';
import { unauthorized } from '@cairn/shared/http';

export function ownerOf(context: RequestContext): string {
  const actor = context.actor;
  if (actor?.kind !== 'user') throw unauthorized();
  return actor.id;
}

/**
 * `<prefix><ownerId>:<id>` → its parts. User ids are UUIDs and never contain ':', so the first ':'
 * after the prefix separates them (the resource id may contain ':' itself).
 */
export function ownedStreamParts(streamName: string, prefix: string): { ownerId: string; id: string } | undefined {
  if (!streamName.startsWith(prefix)) return undefined;
  const rest = streamName.slice(prefix.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return undefined;
  return { ownerId: rest.slice(0, colon), id: rest.slice(colon + 1) };
}
