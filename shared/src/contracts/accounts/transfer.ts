/**
 * Accounts v2 contract: export and import (CONTRACT.md "Accounts v2", seed 003 §13.1).
 *
 * Export: everything of the calling user as one versioned JSON document, every resource as its own API
 * shows it (ids, versions, timestamps), soft-deleted accounts included. Credentials are left out unless
 * asked for (`includeCredentials=true`): a backup of an account-sync app needs them, but a document
 * holding them is as sensitive as the accounts themselves.
 *
 * Import: such a document, applied as ordinary commands (the events and versions every other write
 * makes), each resource standing alone, in `merge` or `replace` mode, or only planned (`dryRun`):
 *
 *   - absent on the server → create (same id; versions start at 1 there);
 *   - the same as the server's copy → skip (versions and timestamps are not compared);
 *   - different, and the document's version ≥ the server's → update (the document wins);
 *   - different, and the document's version < the server's → conflict: the server's copy changed
 *     after the document's was taken, and is kept (nothing is overwritten by accident);
 *   - `replace` also deletes what the user has and the document does not (accounts softly, groups
 *     and tags for good, bindings unbound); settings have no delete and stay.
 */
import { z } from 'zod';
import { accountEditableFields, accountSchema } from './accounts.js';
import { booleanQuerySchema, itemErrorSchema, resourceIdSchema, timestampSchema, versionSchema } from './common.js';
import { groupOrderSchema, groupSchema, labelColorSchema, labelNameSchema } from './groups.js';
import {
  machineIdBindingSchema,
  machineIdConfigSchema,
  machineIdHistoryEntrySchema,
  machineIdSchema,
  machineIdSettingsSchema,
} from './machine-ids.js';
import { settingKeySchema, settingSchema, settingValueSchema } from './settings.js';
import { tagSchema } from './tags.js';

export const EXPORT_FORMAT = 'cairn.accounts.export';
export const EXPORT_FORMAT_VERSION = 1;

/** Resources one import may hold (accounts, groups, tags, settings and bindings together); more → 413. */
export const MAX_IMPORT_ITEMS = 5_000;

export const exportRequestSchema = z.object({
  /** Decrypted credentials in each account (`credentials`, null when none). Default false. */
  includeCredentials: booleanQuerySchema.optional(),
  /** The machine-id history (it only grows; leave it out to keep the document small). Default true. */
  includeHistory: booleanQuerySchema.optional(),
});

/** The export as the server writes it. */
export const exportDocumentSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  formatVersion: z.literal(EXPORT_FORMAT_VERSION),
  exportedAt: timestampSchema,
  /** The user the document was exported from. */
  ownerId: z.string().optional(),
  /** Whether `accounts[].credentials` are in the document. */
  includesCredentials: z.boolean(),
  /** Soft-deleted ones too (`deletedAt` set); `credentials` only with `includeCredentials=true`. */
  accounts: z.array(accountSchema),
  groups: z.array(groupSchema),
  tags: z.array(tagSchema),
  settings: z.array(settingSchema),
  machineIds: z.object({
    config: machineIdConfigSchema,
    bindings: z.array(machineIdBindingSchema),
    /** Newest first; left out with `includeHistory=false`. */
    history: z.array(machineIdHistoryEntrySchema).optional(),
  }),
});
export type ExportDocument = z.infer<typeof exportDocumentSchema>;

/**
 * What an import reads of each resource: the editable fields (checked as a create would check them),
 * the id and the version. Fields only the server sets (timestamps, statusMessage, hasCredentials…) may
 * be present and are ignored.
 */
export const importedAccountSchema = z.object({
  id: resourceIdSchema,
  ...accountEditableFields,
  version: versionSchema,
  /** Set: the account is (or becomes) soft-deleted. */
  deletedAt: timestampSchema.nullable().optional(),
});
export type ImportedAccount = z.output<typeof importedAccountSchema>;

export const importedGroupSchema = z.object({
  id: resourceIdSchema,
  name: labelNameSchema,
  color: labelColorSchema.nullable().optional(),
  order: groupOrderSchema,
  version: versionSchema,
});
export type ImportedGroup = z.output<typeof importedGroupSchema>;

export const importedTagSchema = z.object({
  id: resourceIdSchema,
  name: labelNameSchema,
  color: labelColorSchema.nullable().optional(),
  version: versionSchema,
});
export type ImportedTag = z.output<typeof importedTagSchema>;

export const importedSettingSchema = z.object({
  key: settingKeySchema,
  value: settingValueSchema,
  version: versionSchema,
});
export type ImportedSetting = z.output<typeof importedSettingSchema>;

/** Version 0: never saved where it was exported (the defaults). */
export const importedMachineIdConfigSchema = machineIdSettingsSchema.extend({ version: z.number().int().min(0) });
export type ImportedMachineIdConfig = z.output<typeof importedMachineIdConfigSchema>;

export const importedBindingSchema = z.object({
  accountId: resourceIdSchema,
  machineId: machineIdSchema,
  version: versionSchema,
});
export type ImportedBinding = z.output<typeof importedBindingSchema>;

/** A resource named twice in one list makes the document ambiguous: refused with the second place. */
function uniqueBy<T>(key: (item: T) => string, field: string) {
  return (items: readonly T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const value = key(item);
      if (seen.has(value)) {
        ctx.addIssue({ code: 'custom', path: [index, field], message: `${field} ${value} appears more than once` });
      }
      seen.add(value);
    });
  };
}

const byId = <T extends { id: string }>() => uniqueBy<T>((item) => item.id, 'id');

/** An export document as an import reads it. */
export const importDocumentSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  formatVersion: z.literal(EXPORT_FORMAT_VERSION),
  exportedAt: timestampSchema.optional(),
  ownerId: z.string().optional(),
  accounts: z.array(importedAccountSchema).superRefine(byId()),
  groups: z.array(importedGroupSchema).superRefine(byId()),
  tags: z.array(importedTagSchema).superRefine(byId()),
  settings: z.array(importedSettingSchema).superRefine(uniqueBy((s) => s.key, 'key')),
  machineIds: z.object({
    config: importedMachineIdConfigSchema,
    bindings: z.array(importedBindingSchema).superRefine(uniqueBy((b) => b.accountId, 'accountId')),
    /** Accepted so that an export imports as it is, but not imported (see the import's description). */
    history: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});
export type ImportDocument = z.output<typeof importDocumentSchema>;

/** The resources an import applies (the 413 limit counts these). */
export const importItemCount = (data: {
  accounts: readonly unknown[];
  groups: readonly unknown[];
  tags: readonly unknown[];
  settings: readonly unknown[];
  machineIds: { bindings: readonly unknown[] };
}): number =>
  data.accounts.length + data.groups.length + data.tags.length + data.settings.length + data.machineIds.bindings.length;

export const importModeSchema = z.enum(['merge', 'replace']);
export type ImportMode = z.infer<typeof importModeSchema>;

export const importRequestSchema = z.object({
  data: importDocumentSchema,
  mode: importModeSchema,
  /** Plan and report only: nothing changes. */
  dryRun: z.boolean().optional(),
});

export const transferResourceSchema = z.enum([
  'group',
  'tag',
  'setting',
  'machineIdConfig',
  'account',
  'machineIdBinding',
]);
export type TransferResource = z.infer<typeof transferResourceSchema>;

export const importActionSchema = z.enum(['create', 'update', 'skip', 'conflict', 'delete', 'error']);
export type ImportAction = z.infer<typeof importActionSchema>;

export const importReportItemSchema = z.object({
  resource: transferResourceSchema,
  /** The resource's id; a setting's key; `config` for the machine-id configuration; a binding's accountId. */
  id: z.string(),
  action: importActionSchema,
  /** Why a conflict or an error (VERSION_CONFLICT details: `{currentVersion, documentVersion?}`). */
  error: itemErrorSchema.optional(),
});
export type ImportReportItem = z.infer<typeof importReportItemSchema>;

export const importSummarySchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  conflicts: z.number().int(),
  deleted: z.number().int(),
  failed: z.number().int(),
});
export type ImportSummary = z.infer<typeof importSummarySchema>;

export const importReportSchema = z.object({
  mode: importModeSchema,
  dryRun: z.boolean(),
  summary: importSummarySchema,
  /** Groups, tags, settings, the configuration, accounts, bindings; in document order, deletions last. */
  items: z.array(importReportItemSchema),
});
export type ImportReport = z.infer<typeof importReportSchema>;

export const transferOperations = {
  exportData: { request: exportRequestSchema, result: exportDocumentSchema },
  importData: { request: importRequestSchema, result: importReportSchema },
} as const;
