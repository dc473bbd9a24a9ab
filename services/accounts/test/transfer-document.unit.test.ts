/**
 * The export document as an import reads it (contract transfer.ts): what the export writes is accepted
 * as it is; a document of another format or version, a resource named twice, or a field a create would
 * refuse is refused whole, naming the field; only the resources an import applies count towards its limit.
 */
import {
  EXPORT_FORMAT,
  exportDocumentSchema,
  importDocumentSchema,
  importItemCount,
  importRequestSchema,
} from '@cairn/shared/contracts';
import { describe, expect, it } from 'vitest';

const T0 = '2030-01-01T00:00:00.000Z';

const exported = exportDocumentSchema.parse({
  format: EXPORT_FORMAT,
  formatVersion: 1,
  exportedAt: T0,
  ownerId: '0190a000-0000-7000-8000-00000000000a',
  includesCredentials: true,
  accounts: [
    {
      id: 'a1',
      email: 'a1@example.com',
      nickname: 'Ada',
      provider: 'openai',
      status: 'expired',
      statusMessage: 'invalid_grant',
      groupId: 'work',
      tagIds: ['vip'],
      usage: { used: 5, limit: 100 },
      notes: '',
      hasCredentials: true,
      credentials: { accessToken: 'at' },
      lastCheckedAt: T0,
      version: 4,
      createdAt: T0,
      updatedAt: T0,
      deletedAt: null,
    },
  ],
  groups: [{ id: 'work', name: 'Work', color: '#00f', order: 0, version: 1, createdAt: T0, updatedAt: T0 }],
  tags: [{ id: 'vip', name: 'VIP', color: null, version: 1, createdAt: T0, updatedAt: T0 }],
  settings: [{ key: 'ui.theme', value: { mode: 'dark' }, version: 2, createdAt: T0, updatedAt: T0 }],
  machineIds: {
    config: {
      autoSwitch: true,
      useBindings: true,
      rotateOnSwitch: false,
      bindOnFirstUse: false,
      extra: {},
      version: 1,
      createdAt: T0,
      updatedAt: T0,
    },
    bindings: [{ accountId: 'a1', machineId: 'machine-1', version: 1, boundAt: T0, updatedAt: T0 }],
    history: [{ id: 'h1', accountId: 'a1', machineId: 'machine-1', kind: 'bound', reason: null, at: T0 }],
  },
});

const fieldsOf = (data: unknown): string[] => {
  const parsed = importDocumentSchema.safeParse(data);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
};

describe('an export document read for import', () => {
  it('is accepted as the export wrote it, keeping what an import applies', () => {
    const doc = importDocumentSchema.parse(exported);
    expect(doc.accounts[0]).toEqual({
      id: 'a1',
      email: 'a1@example.com',
      nickname: 'Ada',
      provider: 'openai',
      status: 'expired',
      groupId: 'work',
      tagIds: ['vip'],
      usage: { used: 5, limit: 100 },
      notes: '',
      credentials: { accessToken: 'at' },
      version: 4,
      deletedAt: null,
    });
    expect(doc.machineIds.config).toMatchObject({ autoSwitch: true, version: 1 });
  });

  it('keeps "no credentials named" apart from "no credentials"', () => {
    const { credentials: _, ...withoutCredentials } = exported.accounts[0]!;
    expect(importDocumentSchema.parse({ ...exported, accounts: [withoutCredentials] }).accounts[0]).not.toHaveProperty(
      'credentials',
    );
    const none = { ...withoutCredentials, credentials: null };
    expect(importDocumentSchema.parse({ ...exported, accounts: [none] }).accounts[0]?.credentials).toBeNull();
  });

  it('of another format or format version is refused, naming the field', () => {
    expect(fieldsOf({ ...exported, format: 'something.else' })).toEqual(['format']);
    expect(fieldsOf({ ...exported, formatVersion: 2 })).toEqual(['formatVersion']);
    expect(fieldsOf({ ...exported, groups: undefined })).toEqual(['groups']);
  });

  it('naming a resource twice is refused at the second place', () => {
    const group = exported.groups[0]!;
    expect(fieldsOf({ ...exported, groups: [group, { ...group, name: 'Other' }] })).toEqual(['groups.1.id']);
    const binding = exported.machineIds.bindings[0]!;
    const bindings = [binding, { ...binding, machineId: 'machine-2' }];
    expect(fieldsOf({ ...exported, machineIds: { ...exported.machineIds, bindings } })).toEqual([
      'machineIds.bindings.1.accountId',
    ]);
  });

  it('with a value a create would refuse is refused, naming it', () => {
    const account = exported.accounts[0]!;
    expect(fieldsOf({ ...exported, accounts: [{ ...account, email: 'not-an-email', version: 0 }] })).toEqual([
      'accounts.0.email',
      'accounts.0.version',
    ]);
  });

  it('counts accounts, groups, tags, settings and bindings towards the limit, not the history', () => {
    expect(importItemCount(importDocumentSchema.parse(exported))).toBe(5);
  });

  it('is imported in a mode that must be named', () => {
    expect(importRequestSchema.safeParse({ data: exported }).success).toBe(false);
    expect(importRequestSchema.parse({ data: exported, mode: 'replace' })).toMatchObject({ mode: 'replace' });
  });
});
