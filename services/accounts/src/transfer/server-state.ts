/**
 * What an import is planned against: the user's resources as the GETs show them (sources.ts), plus
 * what the lists cannot tell:
 *
 * - the credentials of accounts whose document copy names credentials (to tell "same" from "changed");
 * - group and tag ids the document names that the user had and deleted (their ids are not reused, so
 *   creating them again is refused), read from their streams;
 * - groups and tags written so recently elsewhere that their read model does not show them yet.
 */
import type {
  AccountCredentials,
  Group,
  ImportDocument,
  MachineIdBinding,
  MachineIdConfig,
  Setting,
  Tag,
} from '@cairn/shared/contracts';
import { mapConcurrently } from '@cairn/shared/runtime';
import { accountKey } from '../accounts/account.js';
import type { AccountsContext } from '../accounts/context.js';
import { open } from '../accounts/credentials.js';
import type { AccountRow } from '../accounts/readModel.js';
import { toAccount } from '../accounts/view.js';
import { toGroupView } from '../groups/group.js';
import { readGroup } from '../groups/handlers.js';
import { readTag } from '../tags/handlers.js';
import { toTagView } from '../tags/tag.js';
import { readUserResources } from './sources.js';

export interface ServerAccount {
  readonly account: AccountRow;
  /** Opened only when the document's copy names credentials (null: none); undefined otherwise. */
  readonly credentials?: AccountCredentials | null;
}

export interface ServerState {
  /** Soft-deleted ones too. */
  readonly accounts: ReadonlyMap<string, ServerAccount>;
  readonly groups: ReadonlyMap<string, Group>;
  readonly tags: ReadonlyMap<string, Tag>;
  /** Ids the document names of groups and tags the user deleted (ids are never reused). */
  readonly retiredGroupIds: ReadonlySet<string>;
  readonly retiredTagIds: ReadonlySet<string>;
  readonly settings: ReadonlyMap<string, Setting>;
  readonly machineIdConfig: MachineIdConfig;
  /** By account id. */
  readonly bindings: ReadonlyMap<string, MachineIdBinding>;
}

const CONCURRENCY = 16;

export async function loadServerState(ax: AccountsContext, ownerId: string, doc: ImportDocument): Promise<ServerState> {
  const resources = await readUserResources(ax, ownerId, { history: false });
  const groups = new Map(resources.groups.map((g) => [g.id, g]));
  const tags = new Map(resources.tags.map((t) => [t.id, t]));
  const retiredGroupIds = new Set<string>();
  const retiredTagIds = new Set<string>();

  await mapConcurrently(
    doc.groups.filter((g) => !groups.has(g.id)),
    CONCURRENCY,
    async ({ id }) => {
      const state = await readGroup(ax.rt, ownerId, id);
      if (state.kind === 'deleted') retiredGroupIds.add(id);
      if (state.kind === 'existing') groups.set(id, toGroupView(state));
    },
  );
  await mapConcurrently(
    doc.tags.filter((t) => !tags.has(t.id)),
    CONCURRENCY,
    async ({ id }) => {
      const state = await readTag(ax.rt, ownerId, id);
      if (state.kind === 'deleted') retiredTagIds.add(id);
      if (state.kind === 'existing') tags.set(id, toTagView(state));
    },
  );

  const accounts = new Map<string, ServerAccount>(resources.accounts.map((a) => [a.id, { account: a }]));
  const withCredentials = doc.accounts.filter((a) => a.credentials !== undefined && accounts.has(a.id));
  await mapConcurrently(withCredentials, CONCURRENCY, async ({ id }) => {
    const state = await ax.cache.get(accountKey(ownerId, id));
    if (state.kind !== 'existing') return;
    // The state is the freshest copy there is: compare with it, fields and credentials together.
    accounts.set(id, { account: toAccount(state), credentials: await open(ax, state) });
  });

  return {
    accounts,
    groups,
    tags,
    retiredGroupIds,
    retiredTagIds,
    settings: new Map(resources.settings.map((s) => [s.key, s])),
    machineIdConfig: resources.machineIdConfig,
    bindings: new Map(resources.bindings.map((b) => [b.accountId, b])),
  };
}
