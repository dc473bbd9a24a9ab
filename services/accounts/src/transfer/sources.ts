/**
 * Everything of one user as the GETs show it, read from the same places: the read models the lists
 * use (soft-deleted accounts included) and the machine-id configuration's own stream. A write answers
 * only once its read model shows it, so every write the user has seen answered is here.
 *
 * Each list is one statement (a consistent copy of its table), the lists side by side; a user with
 * more than `READ_CAP` of one kind is refused rather than half exported.
 */
import type {
  Group,
  MachineIdBinding,
  MachineIdConfig,
  MachineIdHistoryEntry,
  Setting,
  Tag,
} from '@cairn/shared/contracts';
import { DomainError, type Page } from '@cairn/shared/http';
import type { AccountsContext } from '../accounts/context.js';
import {
  ACCOUNT_COUNTS_TABLE,
  ACCOUNTS_PROJECTION,
  ACCOUNTS_TABLE,
  type AccountRow,
  queryAccounts,
} from '../accounts/readModel.js';
import { GROUPS_PROJECTION, queryGroups } from '../groups/readModel.js';
import { readState } from '../library/streams.js';
import { machineConfigStream, toMachineConfigView } from '../machine-ids/config.js';
import { machineConfigDecider } from '../machine-ids/decideConfig.js';
import { MACHINE_IDS_PROJECTION, queryBindings, queryHistory } from '../machine-ids/readModel.js';
import { querySettings, SETTINGS_PROJECTION } from '../settings/readModel.js';
import { queryTags, TAGS_PROJECTION } from '../tags/readModel.js';

/** Most resources of one kind read at once. */
export const READ_CAP = 100_000;

export interface UserResources {
  readonly accounts: readonly AccountRow[];
  readonly groups: readonly Group[];
  readonly tags: readonly Tag[];
  readonly settings: readonly Setting[];
  readonly machineIdConfig: MachineIdConfig;
  readonly bindings: readonly MachineIdBinding[];
  /** Newest first; undefined unless asked for. */
  readonly history: readonly MachineIdHistoryEntry[] | undefined;
}

export async function readUserResources(
  ax: AccountsContext,
  ownerId: string,
  options: { readonly history: boolean },
): Promise<UserResources> {
  const { rt } = ax;
  const all = { ownerId, page: 1, pageSize: READ_CAP };
  const table = (projection: string, name: string) => rt.readModels.table(projection, name);
  const [accounts, groups, tags, settings, machineIdConfig, bindings, history] = await Promise.all([
    queryAccounts(
      rt.pool,
      {
        accounts: table(ACCOUNTS_PROJECTION, ACCOUNTS_TABLE),
        counts: table(ACCOUNTS_PROJECTION, ACCOUNT_COUNTS_TABLE),
      },
      { ...all, includeDeleted: true },
    ).then(({ rows, total }) => complete({ items: rows, total, page: 1, pageSize: READ_CAP }, 'accounts')),
    queryGroups(rt.pool, table(GROUPS_PROJECTION, 'groups'), all).then((page) => complete(page, 'groups')),
    queryTags(rt.pool, table(TAGS_PROJECTION, 'tags'), all).then((page) => complete(page, 'tags')),
    querySettings(rt.pool, table(SETTINGS_PROJECTION, 'settings'), all).then((page) => complete(page, 'settings')),
    readState(rt.store, machineConfigStream(ownerId), machineConfigDecider).then(toMachineConfigView),
    queryBindings(rt.pool, table(MACHINE_IDS_PROJECTION, 'machine_id_bindings'), all).then((page) =>
      complete(page, 'bindings'),
    ),
    options.history
      ? queryHistory(rt.pool, table(MACHINE_IDS_PROJECTION, 'machine_id_history'), all).then((page) =>
          complete(page, 'history entries'),
        )
      : undefined,
  ]);
  return { accounts, groups, tags, settings, machineIdConfig, bindings, history };
}

function complete<T>(page: Page<T>, what: string): T[] {
  if (page.total > page.items.length) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `More than ${READ_CAP} ${what}: too many to transfer at once`, {
      limit: READ_CAP,
      received: page.total,
    });
  }
  return page.items;
}
