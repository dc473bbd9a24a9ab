/**
 * What an import would do, as a pure function of the server's state, the document and the mode: one
 * planned item per resource, in the order the report lists them. `dryRun` answers with this plan;
 * a real import carries it out (apply.ts), and an item fails there only if something changed in between.
 *
 * The rule for a resource both sides have (contract: transfer.ts): the same editable content → skip;
 * different, with the document's version ≥ the server's → update at the server's version (so a write
 * racing the import makes it a conflict, not an overwrite); different, with an older document version →
 * conflict. Versions from another user's export count the same way (they are that user's versions).
 *
 * Some failures are foreseen so that a dry run reports them too: a group or tag id the user deleted
 * (ids are not reused), a name another group or tag keeps (names are unique per user; a name freed by
 * a rename in the same import is not counted as free), and a binding for an account that will not
 * exist when bindings are made.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  ACCOUNT_DEFAULTS,
  type ImportAction,
  type ImportDocument,
  type ImportedAccount,
  type ImportMode,
  type ItemError,
  type TransferResource,
} from '@cairn/shared/contracts';
import { nameKey } from '../library/names/name-claim.js';
import { settingsOf } from '../machine-ids/config.js';
import type { ServerAccount, ServerState } from './server-state.js';

export interface PlannedItem {
  readonly resource: TransferResource;
  /** The resource's id; a setting's key; `config`; a binding's account id. */
  readonly id: string;
  readonly action: ImportAction;
  /** Why a conflict or an error. */
  readonly error?: ItemError;
  /** The server's version an update or a delete is made at. */
  readonly expectedVersion?: number;
  /** Accounts: whether fields or credentials change (an update may only delete or restore). */
  readonly patch?: boolean;
  /** Accounts: the soft delete or restore that follows the creation or the patch. */
  readonly lifecycle?: 'delete' | 'restore';
}

/** The id of the one machine-id configuration in reports. */
export const MACHINE_ID_CONFIG_ID = 'config';

export function planImport(server: ServerState, doc: ImportDocument, mode: ImportMode): PlannedItem[] {
  const accounts = planAccounts(server, doc, mode);
  return [
    ...planLabels('group', doc.groups, server.groups, server.retiredGroupIds, mode),
    ...planLabels('tag', doc.tags, server.tags, server.retiredTagIds, mode),
    ...planSettings(server, doc, mode),
    planMachineIdConfig(server, doc),
    ...accounts,
    ...planBindings(server, doc, mode, accounts),
  ];
}

/** A resource both sides have: skip, update (the document wins) or conflict (the server's is newer). */
function decideExisting(
  resource: TransferResource,
  id: string,
  same: boolean,
  documentVersion: number,
  serverVersion: number,
): PlannedItem {
  if (same) return { resource, id, action: 'skip' };
  if (documentVersion < serverVersion) {
    return {
      resource,
      id,
      action: 'conflict',
      error: {
        error: 'VERSION_CONFLICT',
        message: `The server's copy (version ${serverVersion}) changed after the document's (version ${documentVersion})`,
        details: { currentVersion: serverVersion, documentVersion },
      },
    };
  }
  return { resource, id, action: 'update', expectedVersion: serverVersion };
}

const failed = (resource: TransferResource, id: string, error: ItemError): PlannedItem => ({
  resource,
  id,
  action: 'error',
  error,
});

interface Label {
  readonly id: string;
  readonly name: string;
  readonly color?: string | null | undefined;
  /** Groups only. */
  readonly order?: number;
  readonly version: number;
}

const sameLabel = (a: Label, b: Label): boolean =>
  a.name === b.name && (a.color ?? null) === (b.color ?? null) && a.order === b.order;

/** Groups and tags: in `replace` mode the extras are deleted first, which frees their names. */
function planLabels(
  resource: 'group' | 'tag',
  items: readonly Label[],
  server: ReadonlyMap<string, Label>,
  retired: ReadonlySet<string>,
  mode: ImportMode,
): PlannedItem[] {
  const named = new Set(items.map((item) => item.id));
  const extras = mode === 'replace' ? [...server.values()].filter((label) => !named.has(label.id)) : [];
  // Who holds each name while creations and updates run: every label of the user but the extras.
  const holders = new Map<string, string>();
  for (const label of server.values())
    if (named.has(label.id) || mode === 'merge') holders.set(nameKey(label.name), label.id);

  const planned = items.map((item): PlannedItem => {
    const current = server.get(item.id);
    if (current === undefined && retired.has(item.id)) {
      return failed(resource, item.id, {
        error: 'CONFLICT',
        message: `A ${resource} with this id existed and was deleted; ids are not reused`,
        details: { id: item.id },
      });
    }
    const decided = current
      ? decideExisting(resource, item.id, sameLabel(item, current), item.version, current.version)
      : ({ resource, id: item.id, action: 'create' } as const);
    if (decided.action !== 'create' && decided.action !== 'update') return decided;
    const key = nameKey(item.name);
    const holder = holders.get(key);
    if (holder !== undefined && holder !== item.id) {
      return failed(resource, item.id, {
        error: 'CONFLICT',
        message: `Another ${resource} is named ${item.name}`,
        details: { id: holder },
      });
    }
    holders.set(key, item.id);
    return decided;
  });
  return [
    ...planned,
    ...extras.map(
      (label): PlannedItem => ({ resource, id: label.id, action: 'delete', expectedVersion: label.version }),
    ),
  ];
}

/** Settings have no delete: in `replace` mode the keys the document lacks stay, reported as skipped. */
function planSettings(server: ServerState, doc: ImportDocument, mode: ImportMode): PlannedItem[] {
  const planned = doc.settings.map((setting): PlannedItem => {
    const current = server.settings.get(setting.key);
    if (current === undefined) return { resource: 'setting', id: setting.key, action: 'create' };
    const same = isDeepStrictEqual(setting.value, current.value);
    return decideExisting('setting', setting.key, same, setting.version, current.version);
  });
  const named = new Set(doc.settings.map((s) => s.key));
  const kept =
    mode === 'replace'
      ? [...server.settings.keys()]
          .filter((key) => !named.has(key))
          .map((key): PlannedItem => ({ resource: 'setting', id: key, action: 'skip' }))
      : [];
  return [...planned, ...kept];
}

/** Never saved on the server (version 0): the first save creates it. */
function planMachineIdConfig(server: ServerState, doc: ImportDocument): PlannedItem {
  const wanted = doc.machineIds.config;
  const current = server.machineIdConfig;
  const same = isDeepStrictEqual(settingsOf(wanted), settingsOf(current));
  if (!same && current.version === 0)
    return { resource: 'machineIdConfig', id: MACHINE_ID_CONFIG_ID, action: 'create' };
  return decideExisting('machineIdConfig', MACHINE_ID_CONFIG_ID, same, wanted.version, current.version);
}

/** Soft-deleted accounts are imported soft-deleted; `replace` soft-deletes the live accounts the document lacks. */
function planAccounts(server: ServerState, doc: ImportDocument, mode: ImportMode): PlannedItem[] {
  const planned = doc.accounts.map((account): PlannedItem => {
    const current = server.accounts.get(account.id);
    const deleted = account.deletedAt != null;
    if (current === undefined) {
      return { resource: 'account', id: account.id, action: 'create', ...(deleted ? { lifecycle: 'delete' } : {}) };
    }
    const patch = !sameAccount(account, current);
    const lifecycle = deleted === (current.account.deletedAt !== null) ? undefined : deleted ? 'delete' : 'restore';
    const decided = decideExisting(
      'account',
      account.id,
      !patch && lifecycle === undefined,
      account.version,
      current.account.version,
    );
    return decided.action === 'update' ? { ...decided, patch, ...(lifecycle ? { lifecycle } : {}) } : decided;
  });
  if (mode === 'merge') return planned;
  const named = new Set(doc.accounts.map((a) => a.id));
  const extras = [...server.accounts.values()]
    .filter(({ account }) => !named.has(account.id))
    .map(
      ({ account }): PlannedItem =>
        account.deletedAt === null
          ? { resource: 'account', id: account.id, action: 'delete', expectedVersion: account.version }
          : { resource: 'account', id: account.id, action: 'skip' },
    );
  return [...planned, ...extras];
}

/** The document's copy, defaults filled in as a create or a PUT would, against the server's. */
export function sameAccount(account: ImportedAccount, current: ServerAccount): boolean {
  const server = current.account;
  const usage = account.usage ?? ACCOUNT_DEFAULTS.usage;
  const sameFields =
    account.email === server.email &&
    (account.nickname ?? ACCOUNT_DEFAULTS.nickname) === server.nickname &&
    (account.provider ?? ACCOUNT_DEFAULTS.provider) === server.provider &&
    (account.status ?? ACCOUNT_DEFAULTS.status) === server.status &&
    (account.groupId === undefined ? ACCOUNT_DEFAULTS.groupId : account.groupId) === server.groupId &&
    isDeepStrictEqual([...new Set(account.tagIds ?? ACCOUNT_DEFAULTS.tagIds)], server.tagIds) &&
    usage.used === server.usage.used &&
    usage.limit === server.usage.limit &&
    (account.notes ?? ACCOUNT_DEFAULTS.notes) === server.notes;
  if (!sameFields || account.credentials === undefined) return sameFields;
  // Credentials count only when the document has them (an export without them leaves them as they are).
  if (current.credentials === undefined) return (account.credentials === null) === !server.hasCredentials;
  return isDeepStrictEqual(account.credentials, current.credentials);
}

/**
 * Bindings are made after the accounts are created or restored and before any is soft-deleted, so a
 * binding needs an account that the document or the server has, and that the import leaves live until
 * then. `replace` unbinds the accounts the document has no binding for.
 */
function planBindings(
  server: ServerState,
  doc: ImportDocument,
  mode: ImportMode,
  accounts: readonly PlannedItem[],
): PlannedItem[] {
  const accountPlans = new Map(accounts.map((item) => [item.id, item]));
  const liveWhenBinding = (accountId: string): boolean => {
    const planned = accountPlans.get(accountId);
    // Created, restored, or soft-deleted only after the bindings are made.
    if (planned?.action === 'create' || (planned?.action === 'update' && planned.lifecycle !== undefined)) return true;
    const current = server.accounts.get(accountId);
    return current !== undefined && current.account.deletedAt === null;
  };
  const planned = doc.machineIds.bindings.map((binding): PlannedItem => {
    const current = server.bindings.get(binding.accountId);
    const decided = current
      ? decideExisting(
          'machineIdBinding',
          binding.accountId,
          current.machineId === binding.machineId,
          binding.version,
          current.version,
        )
      : ({ resource: 'machineIdBinding', id: binding.accountId, action: 'create' } as const);
    if ((decided.action === 'create' || decided.action === 'update') && !liveWhenBinding(binding.accountId)) {
      return failed('machineIdBinding', binding.accountId, {
        error: 'ACCOUNT_NOT_FOUND',
        message: 'The account of this binding is neither in the document nor live on the server',
      });
    }
    return decided;
  });
  if (mode === 'merge') return planned;
  const named = new Set(doc.machineIds.bindings.map((b) => b.accountId));
  const extras = [...server.bindings.values()]
    .filter((binding) => !named.has(binding.accountId))
    .map(
      (binding): PlannedItem => ({
        resource: 'machineIdBinding',
        id: binding.accountId,
        action: 'delete',
        expectedVersion: binding.version,
      }),
    );
  return [...planned, ...extras];
}
