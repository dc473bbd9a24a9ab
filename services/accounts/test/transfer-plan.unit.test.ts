/**
 * Planning an import (CONTRACT.md "Accounts v2", contract transfer.ts): given the user's current state,
 * an export document and a mode, which resource is created, updated, skipped, in conflict, deleted or
 * refused, and in which order the report lists them. A dry run answers exactly this plan.
 *
 * The rule for a resource both sides have: the same content → skip; different with the document's
 * version ≥ the server's → update at the server's version; different with an older document → conflict.
 */
import {
  EXPORT_FORMAT,
  type Group,
  importDocumentSchema,
  type MachineIdBinding,
  type MachineIdConfig,
  type Setting,
  type Tag,
} from '@cairn/shared/contracts';
import { describe, expect, it } from 'vitest';
import type { AccountRow } from '../src/accounts/readModel.js';
import { type PlannedItem, planImport } from '../src/transfer/plan.js';
import { importReport, plannedItems } from '../src/transfer/report.js';
import type { ServerAccount, ServerState } from '../src/transfer/server-state.js';

const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-02T00:00:00.000Z';
const SECRET = { accessToken: 'at-1', refreshToken: 'rt-1' };

type Held = AccountRow & { credentials?: Record<string, unknown> | null };
const account = (id: string, over: Partial<Held> = {}): Held => ({
  id,
  email: `${id}@example.com`,
  nickname: '',
  provider: 'openai',
  status: 'active',
  statusMessage: null,
  groupId: null,
  tagIds: [],
  usage: { used: 0, limit: null },
  notes: '',
  hasCredentials: false,
  lastCheckedAt: null,
  version: 1,
  createdAt: T0,
  updatedAt: T0,
  deletedAt: null,
  ...over,
});
const group = (id: string, name: string, over: Partial<Group> = {}): Group => ({
  id,
  name,
  color: null,
  order: 0,
  version: 1,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});
const tag = (id: string, name: string, over: Partial<Tag> = {}): Tag => ({
  id,
  name,
  color: null,
  version: 1,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});
const setting = (key: string, value: unknown, version = 1): Setting => ({
  key,
  value,
  version,
  createdAt: T0,
  updatedAt: T0,
});
const binding = (accountId: string, machineId: string, version = 1): MachineIdBinding => ({
  accountId,
  machineId,
  version,
  boundAt: T0,
  updatedAt: T0,
});
const NEVER_SAVED: MachineIdConfig = {
  autoSwitch: false,
  useBindings: true,
  rotateOnSwitch: false,
  bindOnFirstUse: false,
  extra: {},
  version: 0,
  createdAt: null,
  updatedAt: null,
};

/** A user's state, as the export shows it and the planner reads it. */
interface Holdings {
  readonly accounts?: readonly Held[];
  readonly groups?: readonly Group[];
  readonly tags?: readonly Tag[];
  readonly settings?: readonly Setting[];
  readonly config?: MachineIdConfig;
  readonly bindings?: readonly MachineIdBinding[];
}

function serverWith(holdings: Holdings, retired: { groups?: string[]; tags?: string[] } = {}): ServerState {
  return {
    accounts: new Map(
      (holdings.accounts ?? []).map(({ credentials, ...row }): [string, ServerAccount] => [
        row.id,
        credentials === undefined ? { account: row } : { account: row, credentials },
      ]),
    ),
    groups: new Map((holdings.groups ?? []).map((g) => [g.id, g])),
    tags: new Map((holdings.tags ?? []).map((t) => [t.id, t])),
    retiredGroupIds: new Set(retired.groups ?? []),
    retiredTagIds: new Set(retired.tags ?? []),
    settings: new Map((holdings.settings ?? []).map((s) => [s.key, s])),
    machineIdConfig: holdings.config ?? NEVER_SAVED,
    bindings: new Map((holdings.bindings ?? []).map((b) => [b.accountId, b])),
  };
}

/** The export document of a state, read as an import reads it. */
function exportOf(holdings: Holdings) {
  return importDocumentSchema.parse({
    format: EXPORT_FORMAT,
    formatVersion: 1,
    exportedAt: T1,
    accounts: holdings.accounts ?? [],
    groups: holdings.groups ?? [],
    tags: holdings.tags ?? [],
    settings: holdings.settings ?? [],
    machineIds: { config: holdings.config ?? NEVER_SAVED, bindings: holdings.bindings ?? [] },
  });
}

const actions = (plan: readonly PlannedItem[]) => plan.map(({ resource, id, action }) => `${resource}:${id}:${action}`);

const ada: Holdings = {
  groups: [group('work', 'Work', { color: '#00f' }), group('home', 'Home', { order: 1 })],
  tags: [tag('vip', 'VIP')],
  settings: [setting('ui.theme', { mode: 'dark' }), setting('ui.lang', 'en', 2)],
  config: { ...NEVER_SAVED, autoSwitch: true, version: 1, createdAt: T0, updatedAt: T0 },
  accounts: [
    account('a1', { groupId: 'work', tagIds: ['vip'], hasCredentials: true, credentials: SECRET, version: 3 }),
    account('a2', { deletedAt: T1, version: 2 }),
  ],
  bindings: [binding('a1', 'machine-1')],
};

describe('planning an import into a user who has nothing', () => {
  it('creates everything, groups and tags first and bindings last, in the order of the document', () => {
    const plan = planImport(serverWith({}), exportOf(ada), 'merge');
    expect(actions(plan)).toEqual([
      'group:work:create',
      'group:home:create',
      'tag:vip:create',
      'setting:ui.theme:create',
      'setting:ui.lang:create',
      'machineIdConfig:config:create',
      'account:a1:create',
      'account:a2:create',
      'machineIdBinding:a1:create',
    ]);
  });

  it('creates a soft-deleted account soft-deleted (its deletion follows the creation)', () => {
    const plan = planImport(serverWith({}), exportOf(ada), 'merge');
    expect(plan.find((item) => item.id === 'a2')).toEqual({
      resource: 'account',
      id: 'a2',
      action: 'create',
      lifecycle: 'delete',
    });
    expect(plan.find((item) => item.id === 'a1')).toEqual({ resource: 'account', id: 'a1', action: 'create' });
  });

  it('reports the same counts as the items (the dry-run answer)', () => {
    const report = importReport('merge', true, plannedItems(planImport(serverWith({}), exportOf(ada), 'merge')));
    expect(report.summary).toEqual({ created: 9, updated: 0, skipped: 0, conflicts: 0, deleted: 0, failed: 0 });
    expect(report).toMatchObject({ mode: 'merge', dryRun: true });
    expect(report.items[0]).toEqual({ resource: 'group', id: 'work', action: 'create' });
  });
});

describe('planning an import into the state it was exported from', () => {
  it('skips everything, in either mode', () => {
    for (const mode of ['merge', 'replace'] as const) {
      const plan = planImport(serverWith(ada), exportOf(ada), mode);
      expect(plan.every((item) => item.action === 'skip')).toBe(true);
      expect(plan).toHaveLength(9);
    }
  });

  it('ignores what only the server sets: timestamps, status messages, the last check', () => {
    const server = serverWith({
      accounts: [account('a1', { statusMessage: 'invalid_grant', lastCheckedAt: T1, updatedAt: T1 })],
    });
    const plan = planImport(server, exportOf({ accounts: [account('a1')] }), 'merge');
    expect(actions(plan)).toContain('account:a1:skip');
  });
});

describe('planning a resource both sides have, but differently', () => {
  const server = serverWith({
    groups: [group('work', 'Work', { version: 2 })],
    settings: [setting('ui.theme', 'dark', 2)],
    accounts: [account('a1', { nickname: 'server', version: 2 })],
    bindings: [binding('a1', 'machine-1', 2)],
  });

  it('updates at the server’s version when the document’s version is the same or newer', () => {
    for (const version of [2, 5]) {
      const doc = exportOf({
        groups: [group('work', 'Job', { version })],
        settings: [setting('ui.theme', 'light', version)],
        accounts: [account('a1', { nickname: 'document', version })],
        bindings: [binding('a1', 'machine-2', version)],
      });
      expect(planImport(server, doc, 'merge')).toEqual([
        { resource: 'group', id: 'work', action: 'update', expectedVersion: 2 },
        { resource: 'setting', id: 'ui.theme', action: 'update', expectedVersion: 2 },
        { resource: 'machineIdConfig', id: 'config', action: 'skip' },
        { resource: 'account', id: 'a1', action: 'update', expectedVersion: 2, patch: true },
        { resource: 'machineIdBinding', id: 'a1', action: 'update', expectedVersion: 2 },
      ]);
    }
  });

  it('is a conflict when the server’s copy is newer than the document’s, and keeps the server’s', () => {
    const doc = exportOf({
      groups: [group('work', 'Job')],
      settings: [setting('ui.theme', 'light')],
      accounts: [account('a1', { nickname: 'document' })],
      bindings: [binding('a1', 'machine-2')],
    });
    const plan = planImport(server, doc, 'merge');
    expect(plan.filter((item) => item.resource !== 'machineIdConfig').map((item) => item.action)).toEqual([
      'conflict',
      'conflict',
      'conflict',
      'conflict',
    ]);
    expect(plan[0]).toEqual({
      resource: 'group',
      id: 'work',
      action: 'conflict',
      error: {
        error: 'VERSION_CONFLICT',
        message: expect.any(String),
        details: { currentVersion: 2, documentVersion: 1 },
      },
    });
    expect(plan.every((item) => item.expectedVersion === undefined)).toBe(true);
  });

  it('compares settings by value, whatever the order of an object’s keys', () => {
    const here = serverWith({ settings: [setting('layout', { a: 1, b: [1, 2] }, 3)] });
    expect(
      actions(planImport(here, exportOf({ settings: [setting('layout', { b: [1, 2], a: 1 })] }), 'merge')),
    ).toContain('setting:layout:skip');
  });

  it('saves the machine-id configuration when it was never saved here; otherwise applies the rule', () => {
    const saved = { ...NEVER_SAVED, autoSwitch: true, version: 1 };
    expect(planImport(serverWith({}), exportOf({ config: saved }), 'merge')).toEqual([
      { resource: 'machineIdConfig', id: 'config', action: 'create' },
    ]);
    const newer = serverWith({ config: { ...NEVER_SAVED, rotateOnSwitch: true, version: 4 } });
    expect(planImport(newer, exportOf({ config: saved }), 'merge')[0]?.action).toBe('conflict');
    expect(planImport(newer, exportOf({ config: { ...saved, version: 4 } }), 'merge')[0]).toEqual({
      resource: 'machineIdConfig',
      id: 'config',
      action: 'update',
      expectedVersion: 4,
    });
  });
});

describe('planning accounts', () => {
  it('restores or soft-deletes an account whose deletion differs, patching only if fields differ too', () => {
    const server = serverWith({
      accounts: [account('gone', { deletedAt: T0, version: 2 }), account('live', { version: 2 })],
    });
    const doc = exportOf({
      accounts: [account('gone', { version: 2 }), account('live', { deletedAt: T1, notes: 'bye', version: 2 })],
    });
    expect(planImport(server, doc, 'merge').filter((item) => item.resource === 'account')).toEqual([
      { resource: 'account', id: 'gone', action: 'update', expectedVersion: 2, patch: false, lifecycle: 'restore' },
      { resource: 'account', id: 'live', action: 'update', expectedVersion: 2, patch: true, lifecycle: 'delete' },
    ]);
  });

  it('compares credentials only when the document has them (an export without them changes none)', () => {
    const server = serverWith({ accounts: [account('a1', { hasCredentials: true, credentials: SECRET })] });
    const plan = (credentials: Record<string, unknown> | null | undefined) => {
      const { hasCredentials: _, ...row } = account('a1');
      const copy = credentials === undefined ? row : { ...row, credentials };
      return planImport(server, exportOf({ accounts: [copy as AccountRow] }), 'merge').find((i) => i.id === 'a1');
    };
    expect(plan(undefined)?.action).toBe('skip');
    expect(plan({ ...SECRET })?.action).toBe('skip');
    expect(plan({ accessToken: 'at-2' })).toMatchObject({ action: 'update', patch: true });
    expect(plan(null)).toMatchObject({ action: 'update', patch: true });
  });

  it('fills the fields a document leaves out with the defaults of a create before comparing', () => {
    const server = serverWith({ accounts: [account('a1', { provider: '' })] });
    const doc = importDocumentSchema.parse({
      ...exportOf({}),
      accounts: [{ id: 'a1', email: 'a1@example.com', version: 1 }],
    });
    expect(actions(planImport(server, doc, 'merge'))).toContain('account:a1:skip');
  });
});

describe('planning a replace', () => {
  const server = serverWith({
    groups: [group('old', 'Old', { version: 3 }), group('work', 'Work')],
    tags: [tag('stale', 'Stale', { version: 2 })],
    settings: [setting('extra.key', true)],
    accounts: [account('a1'), account('extra', { version: 4 }), account('binned', { deletedAt: T0, version: 2 })],
    bindings: [binding('a1', 'machine-1'), binding('extra', 'machine-9', 3)],
  });
  const doc = exportOf({ groups: [group('work', 'Work')], accounts: [account('a1')] });

  it('deletes what the user has and the document lacks, at the versions read, after the rest', () => {
    expect(planImport(server, doc, 'replace')).toEqual([
      { resource: 'group', id: 'work', action: 'skip' },
      { resource: 'group', id: 'old', action: 'delete', expectedVersion: 3 },
      { resource: 'tag', id: 'stale', action: 'delete', expectedVersion: 2 },
      { resource: 'setting', id: 'extra.key', action: 'skip' },
      { resource: 'machineIdConfig', id: 'config', action: 'skip' },
      { resource: 'account', id: 'a1', action: 'skip' },
      { resource: 'account', id: 'extra', action: 'delete', expectedVersion: 4 },
      { resource: 'account', id: 'binned', action: 'skip' },
      { resource: 'machineIdBinding', id: 'a1', action: 'delete', expectedVersion: 1 },
      { resource: 'machineIdBinding', id: 'extra', action: 'delete', expectedVersion: 3 },
    ]);
  });

  it('leaves them alone in a merge', () => {
    expect(actions(planImport(server, doc, 'merge'))).toEqual([
      'group:work:skip',
      'machineIdConfig:config:skip',
      'account:a1:skip',
    ]);
  });
});

describe('planning groups and tags, whose names are unique per user and ids never reused', () => {
  it('refuses an id the user deleted before', () => {
    const plan = planImport(
      serverWith({}, { groups: ['work'], tags: ['vip'] }),
      exportOf({ groups: [group('work', 'Work')], tags: [tag('vip', 'VIP')] }),
      'merge',
    );
    expect(plan.slice(0, 2)).toEqual([
      {
        resource: 'group',
        id: 'work',
        action: 'error',
        error: { error: 'CONFLICT', message: expect.any(String), details: { id: 'work' } },
      },
      {
        resource: 'tag',
        id: 'vip',
        action: 'error',
        error: { error: 'CONFLICT', message: expect.any(String), details: { id: 'vip' } },
      },
    ]);
  });

  it('refuses a name another group keeps (ignoring case and spaces), and the second of two with one name', () => {
    const server = serverWith({ groups: [group('mine', 'Work')] });
    const doc = exportOf({ groups: [group('theirs', 'WORK'), group('g1', 'Play'), group('g2', 'play')] });
    const plan = planImport(server, doc, 'merge');
    expect(actions(plan).slice(0, 3)).toEqual(['group:theirs:error', 'group:g1:create', 'group:g2:error']);
    expect(plan[0]?.error).toMatchObject({ error: 'CONFLICT', details: { id: 'mine' } });
    expect(plan[2]?.error).toMatchObject({ error: 'CONFLICT', details: { id: 'g1' } });
  });

  it('counts the name of a group that replace deletes as free', () => {
    const server = serverWith({ groups: [group('mine', 'Work')] });
    const plan = planImport(server, exportOf({ groups: [group('theirs', 'Work')] }), 'replace');
    expect(actions(plan).slice(0, 2)).toEqual(['group:theirs:create', 'group:mine:delete']);
  });
});

describe('planning bindings', () => {
  it('refuses a binding whose account will not be live when bindings are made', () => {
    const server = serverWith({ accounts: [account('binned', { deletedAt: T0 })] });
    const doc = exportOf({
      accounts: [account('binned', { deletedAt: T0 }), account('new-but-deleted', { deletedAt: T0 })],
      bindings: [binding('binned', 'm-1'), binding('nowhere', 'm-2'), binding('new-but-deleted', 'm-3')],
    });
    const bindings = planImport(server, doc, 'merge').filter((item) => item.resource === 'machineIdBinding');
    expect(bindings.map((item) => [item.id, item.action, item.error?.error])).toEqual([
      ['binned', 'error', 'ACCOUNT_NOT_FOUND'],
      ['nowhere', 'error', 'ACCOUNT_NOT_FOUND'],
      // Created by the import, bound, then soft-deleted.
      ['new-but-deleted', 'create', undefined],
    ]);
  });
});
