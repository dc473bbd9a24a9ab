/**
 * Accounts v2 contract: machine ids (CONTRACT.md "Accounts v2", seed 003 §13.1). Desktop clients present a
 * machine id to the provider; they may bind one to each account so that switching to the account also
 * switches the machine id. Three parts:
 *
 * - the user's configuration (one versioned object; version 0 = never saved, the defaults shown);
 * - bindings, one per account, versioned; PUT is an upsert like settings (no version: bind an unbound
 *   account; a version: rebind exactly that version), DELETE unbinds and needs the version;
 * - the history of machine ids used per account: every bind and unbind adds an entry, clients add
 *   others (e.g. "rotated on switch"); entries are never changed or removed.
 *
 * Binding or recording for an account the user does not have (or has deleted) is 404 ACCOUNT_NOT_FOUND.
 */
import { z } from 'zod';
import { pageQuerySchema, pageSchema, resourceIdSchema, timestampSchema, versionSchema } from './common.js';
import { storableTextSchema } from './groups.js';
import { jsonContainsNul } from './settings.js';

export const MACHINE_ID_EXTRA_MAX_BYTES = 16 * 1024;

/** Whatever the client uses as a machine id (a UUID, a 64-hex hash…): printable, no spaces around it. */
export const machineIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/** The editable part of the configuration; every field has a default, so `{}` is a valid configuration. */
export const machineIdSettingsSchema = z.object({
  /** Change the machine id when the active account changes. */
  autoSwitch: z.boolean().default(false),
  /** Use the account's bound machine id when switching to it. */
  useBindings: z.boolean().default(true),
  /** Make a fresh machine id on a switch to an account without a binding. */
  rotateOnSwitch: z.boolean().default(false),
  /** Bind the machine id in use to an account the first time it is switched to. */
  bindOnFirstUse: z.boolean().default(false),
  /** Room for client options this contract does not name yet: any JSON object up to 16 KiB. */
  extra: z
    .record(z.string().max(100), z.unknown())
    .default({})
    .refine((extra) => utf8Length(JSON.stringify(extra)) <= MACHINE_ID_EXTRA_MAX_BYTES, {
      message: `extra must be at most ${MACHINE_ID_EXTRA_MAX_BYTES} bytes as JSON`,
    })
    .refine((extra) => !jsonContainsNul(extra), { message: 'extra must not contain the NUL character' }),
});
export type MachineIdSettings = z.output<typeof machineIdSettingsSchema>;

export const machineIdConfigSchema = z.object({
  autoSwitch: z.boolean(),
  useBindings: z.boolean(),
  rotateOnSwitch: z.boolean(),
  bindOnFirstUse: z.boolean(),
  extra: z.record(z.string(), z.unknown()),
  /** 0 while never saved (the defaults are shown); 1 on the first save, +1 per change. */
  version: z.number().int(),
  createdAt: timestampSchema.nullable(),
  updatedAt: timestampSchema.nullable(),
});
export type MachineIdConfig = z.infer<typeof machineIdConfigSchema>;

export const machineIdBindingSchema = z.object({
  accountId: z.string(),
  machineId: z.string(),
  /** Counts every bind, rebind and unbind of this account, so an old copy never matches a new binding. */
  version: z.number().int(),
  /** When this machine id was bound (a rebind to another id starts again). */
  boundAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type MachineIdBinding = z.infer<typeof machineIdBindingSchema>;

export const machineIdHistoryEntrySchema = z.object({
  id: z.string(),
  accountId: z.string(),
  machineId: z.string(),
  /** bound / unbound: written by a bind or unbind; recorded: added by a client. */
  kind: z.enum(['bound', 'unbound', 'recorded']),
  reason: z.string().nullable(),
  at: timestampSchema,
});
export type MachineIdHistoryEntry = z.infer<typeof machineIdHistoryEntrySchema>;

const reasonSchema = storableTextSchema.trim().min(1).max(200);

export const getMachineIdConfigRequestSchema = z.object({});
/** PUT replaces the configuration (omitted fields take their defaults); version as for settings. */
export const putMachineIdConfigRequestSchema = machineIdSettingsSchema.extend({ version: versionSchema.optional() });

export const listMachineIdBindingsRequestSchema = z.object({
  accountId: resourceIdSchema.optional(),
  ...pageQuerySchema,
});
export const bindMachineIdRequestSchema = z.object({
  accountId: resourceIdSchema,
  machineId: machineIdSchema,
  /** Written to the history entry of this bind. */
  reason: reasonSchema.optional(),
  version: versionSchema.optional(),
});
export const unbindMachineIdRequestSchema = z.object({
  accountId: resourceIdSchema,
  version: versionSchema,
  reason: reasonSchema.optional(),
});

export const listMachineIdHistoryRequestSchema = z.object({
  accountId: resourceIdSchema.optional(),
  ...pageQuerySchema,
});
export const recordMachineIdHistoryRequestSchema = z.object({
  accountId: resourceIdSchema,
  machineId: machineIdSchema,
  reason: reasonSchema.optional(),
  /** When the client used it (offline clients report later); default: now. */
  at: z.iso.datetime({ offset: true }).optional(),
});

export const machineIdsOperations = {
  getMachineIdConfig: { request: getMachineIdConfigRequestSchema, result: machineIdConfigSchema },
  putMachineIdConfig: { request: putMachineIdConfigRequestSchema, result: machineIdConfigSchema },
  listMachineIdBindings: { request: listMachineIdBindingsRequestSchema, result: pageSchema(machineIdBindingSchema) },
  bindMachineId: { request: bindMachineIdRequestSchema, result: machineIdBindingSchema },
  unbindMachineId: { request: unbindMachineIdRequestSchema, result: machineIdBindingSchema },
  listMachineIdHistory: {
    request: listMachineIdHistoryRequestSchema,
    result: pageSchema(machineIdHistoryEntrySchema),
  },
  recordMachineIdHistory: { request: recordMachineIdHistoryRequestSchema, result: machineIdHistoryEntrySchema },
} as const;
