/**
 * Tags (CONTRACT.md "Accounts v2"): list, create, replace, delete, scoped to the calling user. Names
 * are claimed before a tag takes them (library/names) and given back when it lets them go. Every
 * write answers only once the tags read model shows it.
 */
import type { RequestContext } from '@cairn/shared/bus';
import type { Tag } from '@cairn/shared/contracts';
import type { Page } from '@cairn/shared/http';
import { versionConflict } from '../library/conflicts.js';
import { type NameHolders, releaseName, withNameClaimed } from '../library/names/claims.js';
import { nameKey } from '../library/names/name-claim.js';
import { ownerOf } from '../library/owner.js';
import { readState } from '../library/streams.js';
import { type AccountsRuntime, execute, isoAt } from '../runtime.js';
import { decideTag, type TagCommand, tagDecider, tagNotFound } from './decide.js';
import { queryTags, TAGS_PROJECTION } from './readModel.js';
import { type ExistingTag, type TagState, tagStream, toTagView } from './tag.js';

const tagsTable = (rt: AccountsRuntime): string => rt.readModels.table(TAGS_PROJECTION, 'tags');

export const readTag = (rt: AccountsRuntime, ownerId: string, tagId: string): Promise<TagState> =>
  readState(rt.store, tagStream(ownerId, tagId), tagDecider);

/** Whether a tag holds a name, read from its own stream (for taking over stale claims). */
const tagNames = (rt: AccountsRuntime): NameHolders => ({
  kind: 'tag',
  async standingOf(ownerId, holderId, key) {
    const tag = await readTag(rt, ownerId, holderId);
    if (tag.kind === 'deleted') return 'deleted';
    return tag.kind === 'existing' && nameKey(tag.name) === key ? 'holds' : 'elsewhere';
  },
});

export async function listTags(
  rt: AccountsRuntime,
  input: { page: number; pageSize: number },
  context: RequestContext,
): Promise<Page<Tag>> {
  return queryTags(rt.pool, tagsTable(rt), { ownerId: ownerOf(context), ...input });
}

export async function createTag(
  rt: AccountsRuntime,
  input: { id?: string | undefined; name: string; color?: string | null | undefined },
  context: RequestContext,
): Promise<Tag> {
  const ownerId = ownerOf(context);
  const tagId = input.id ?? rt.newId();
  const now = rt.now();
  const command: TagCommand = {
    type: 'CreateTag',
    ownerId,
    tagId,
    name: input.name,
    color: input.color ?? null,
    now: isoAt(now),
  };
  // A taken id is refused before the name is claimed, so the answer is about the id.
  decideTag(command, await readTag(rt, ownerId, tagId));
  const result = await withNameClaimed(rt, tagNames(rt), ownerId, input.name, tagId, context, () =>
    execute(rt, tagStream(ownerId, tagId), tagDecider, command, context, now),
  );
  await rt.readModels.waitFor(TAGS_PROJECTION, result.append?.position);
  return toTagView(result.state as ExistingTag);
}

export async function updateTag(
  rt: AccountsRuntime,
  input: { id: string; version: number; name: string; color?: string | null | undefined },
  context: RequestContext,
): Promise<Tag> {
  const ownerId = ownerOf(context);
  const current = await currentTag(rt, ownerId, input.id, input.version);
  const now = rt.now();
  const write = () =>
    execute(
      rt,
      tagStream(ownerId, input.id),
      tagDecider,
      {
        type: 'UpdateTag',
        expectedVersion: input.version,
        name: input.name,
        color: input.color ?? null,
        now: isoAt(now),
      },
      context,
      now,
    );
  const renamed = nameKey(input.name) !== nameKey(current.name);
  const result = renamed
    ? await withNameClaimed(rt, tagNames(rt), ownerId, input.name, input.id, context, write)
    : await write();
  if (renamed) await releaseName(rt, 'tag', ownerId, current.name, input.id, context);
  await rt.readModels.waitFor(TAGS_PROJECTION, result.append?.position);
  return toTagView(result.state as ExistingTag);
}

/** Deletes the tag (its accounts lose it; see the accounts slice) and gives its name back. */
export async function deleteTag(
  rt: AccountsRuntime,
  input: { id: string; version: number },
  context: RequestContext,
): Promise<Tag> {
  const ownerId = ownerOf(context);
  const current = await currentTag(rt, ownerId, input.id, input.version);
  const now = rt.now();
  const result = await execute(
    rt,
    tagStream(ownerId, input.id),
    tagDecider,
    { type: 'DeleteTag', expectedVersion: input.version, now: isoAt(now) },
    context,
    now,
  );
  await releaseName(rt, 'tag', ownerId, current.name, input.id, context);
  await rt.readModels.waitFor(TAGS_PROJECTION, result.append?.position);
  // The answer is the tag as it was, at the version its deletion gave it.
  const deleted = result.newEvents[0]!.data;
  return toTagView({ ...current, version: deleted.version, updatedAt: deleted.at });
}

/** The tag at the caller's version, checked before any name is claimed for it. */
async function currentTag(rt: AccountsRuntime, ownerId: string, tagId: string, version: number): Promise<ExistingTag> {
  const tag = await readTag(rt, ownerId, tagId);
  if (tag.kind !== 'existing') throw tagNotFound();
  if (tag.version !== version) throw versionConflict('tag', tag.version, toTagView(tag));
  return tag;
}
