/**
 * Integration events of the accounts service's library of things around accounts: groups, tags,
 * settings and machine ids. Every one names the owner (`ownerId`, the user) and the resource, and
 * carries the resource's `version` after the change (1 on creation), so a subscriber can order a
 * resource's changes and drop repeats. `occurredAt` is the time of the command.
 */
import { z } from 'zod';

const ownerId = z.string();
const version = z.number().int().positive();
const occurredAt = z.string();

const groupFields = { ownerId, groupId: z.string(), name: z.string(), color: z.string().nullable(), order: z.number() };
export const accountsGroupCreatedV1 = z.object({ ...groupFields, version: z.literal(1), occurredAt });
export const accountsGroupUpdatedV1 = z.object({ ...groupFields, version, occurredAt });
export const accountsGroupReorderedV1 = z.object({
  ownerId,
  groupId: z.string(),
  order: z.number(),
  version,
  occurredAt,
});
/** The accounts of the group lose it: each such change is an account event of its own. */
export const accountsGroupDeletedV1 = z.object({ ownerId, groupId: z.string(), version, occurredAt });

const tagFields = { ownerId, tagId: z.string(), name: z.string(), color: z.string().nullable() };
export const accountsTagCreatedV1 = z.object({ ...tagFields, version: z.literal(1), occurredAt });
export const accountsTagUpdatedV1 = z.object({ ...tagFields, version, occurredAt });
export const accountsTagDeletedV1 = z.object({ ownerId, tagId: z.string(), version, occurredAt });

const settingFields = { ownerId, key: z.string(), value: z.unknown() };
export const accountsSettingCreatedV1 = z.object({ ...settingFields, version: z.literal(1), occurredAt });
export const accountsSettingUpdatedV1 = z.object({ ...settingFields, version, occurredAt });

/** Every save of the machine-id configuration, the first one (version 1) included. */
export const accountsMachineIdConfigUpdatedV1 = z.object({
  ownerId,
  autoSwitch: z.boolean(),
  useBindings: z.boolean(),
  rotateOnSwitch: z.boolean(),
  bindOnFirstUse: z.boolean(),
  extra: z.record(z.string(), z.unknown()),
  version,
  occurredAt,
});
export const accountsMachineIdBindingBoundV1 = z.object({
  ownerId,
  accountId: z.string(),
  machineId: z.string(),
  /** The machine id this one replaced (a rebind), or null. */
  previousMachineId: z.string().nullable(),
  reason: z.string().nullable(),
  version,
  occurredAt,
});
export const accountsMachineIdBindingUnboundV1 = z.object({
  ownerId,
  accountId: z.string(),
  machineId: z.string(),
  /** Given by the client, or `account-purged` when the account was deleted for good. */
  reason: z.string().nullable(),
  version,
  occurredAt,
});
/** A history entry a client added (binds and unbinds are their own events above). */
export const accountsMachineIdHistoryRecordedV1 = z.object({
  ownerId,
  accountId: z.string(),
  entryId: z.string(),
  machineId: z.string(),
  reason: z.string().nullable(),
  at: z.string(),
  occurredAt,
});

/** Subject → schema of its data; spread into `accountsIntegrationEvents`. */
export const accountsLibraryIntegrationEvents = {
  'cairn.accounts.group.created.v1': accountsGroupCreatedV1,
  'cairn.accounts.group.updated.v1': accountsGroupUpdatedV1,
  'cairn.accounts.group.reordered.v1': accountsGroupReorderedV1,
  'cairn.accounts.group.deleted.v1': accountsGroupDeletedV1,
  'cairn.accounts.tag.created.v1': accountsTagCreatedV1,
  'cairn.accounts.tag.updated.v1': accountsTagUpdatedV1,
  'cairn.accounts.tag.deleted.v1': accountsTagDeletedV1,
  'cairn.accounts.setting.created.v1': accountsSettingCreatedV1,
  'cairn.accounts.setting.updated.v1': accountsSettingUpdatedV1,
  'cairn.accounts.machine-id-config.updated.v1': accountsMachineIdConfigUpdatedV1,
  'cairn.accounts.machine-id-binding.bound.v1': accountsMachineIdBindingBoundV1,
  'cairn.accounts.machine-id-binding.unbound.v1': accountsMachineIdBindingUnboundV1,
  'cairn.accounts.machine-id-history.recorded.v1': accountsMachineIdHistoryRecordedV1,
} as const;

export type AccountsLibrarySubject = keyof typeof accountsLibraryIntegrationEvents;
export type AccountsLibraryIntegrationEvent = {
  [S in AccountsLibrarySubject]: {
    readonly subject: S;
    readonly data: z.input<(typeof accountsLibraryIntegrationEvents)[S]>;
  };
}[AccountsLibrarySubject];
