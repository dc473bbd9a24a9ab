/**
 * Settings (CONTRACT.md "Accounts v2"): PUT of a key is an upsert that cannot overwrite by accident.
 * Without a version it only creates; with one it only replaces that version; anything else is a
 * conflict carrying the current copy (null when there is none). Also the contract's limits on keys and
 * values, and how setting events are published.
 */
import { putSettingRequestSchema } from '@cairn/shared/contracts';
import { describe, expect, it } from 'vitest';
import { settingDecider } from '../src/settings/decide.js';
import { settingIntegrationEvent } from '../src/settings/integration.js';
import { type SettingEvent, settingStream } from '../src/settings/setting.js';
import { OWNER, recorded, spec, T0, T1 } from './support/library-spec.js';

const settings = spec(settingDecider);
const theme = { ownerId: OWNER, key: 'ui.theme' };
const created: SettingEvent = {
  type: 'SettingCreated',
  data: { ...theme, value: { mode: 'dark' }, version: 1, at: T0 },
};
const updated: SettingEvent = {
  type: 'SettingUpdated',
  data: { ...theme, value: { mode: 'light' }, version: 2, at: T1 },
};
const put = (value: unknown, expectedVersion: number | undefined, now = T1) =>
  ({ type: 'PutSetting', ...theme, value, expectedVersion, now }) as const;

describe('putting a setting', () => {
  it('without a version creates a new key at version 1', () => {
    settings
      .given([])
      .when(put({ mode: 'dark' }, undefined, T0))
      .then([created]);
  });

  it('without a version, on a key that exists, is a conflict carrying the current copy', () => {
    settings
      .given([created])
      .when(put({ mode: 'light' }, undefined))
      .thenFails('VERSION_CONFLICT', {
        currentVersion: 1,
        current: { key: 'ui.theme', value: { mode: 'dark' }, version: 1, createdAt: T0, updatedAt: T0 },
      });
  });

  it('with a version, on a key that does not exist, is a conflict with nothing current', () => {
    settings.given([]).when(put(1, 3)).thenFails('VERSION_CONFLICT', { currentVersion: 0, current: null });
  });

  it('with the current version replaces the value; with a stale one is a conflict', () => {
    settings
      .given([created])
      .when(put({ mode: 'light' }, 1))
      .then([updated]);
    settings
      .given([created, updated])
      .when(put({ mode: 'blue' }, 1))
      .thenFails('VERSION_CONFLICT');
  });

  it('with the value it already has records nothing (key order does not matter)', () => {
    const nested: SettingEvent = {
      type: 'SettingCreated',
      data: { ...theme, value: { a: 1, b: [true, null] }, version: 1, at: T0 },
    };
    settings
      .given([nested])
      .when(put({ b: [true, null], a: 1 }, 1))
      .then([]);
  });
});

describe('the contract of a setting', () => {
  const valid = (body: Record<string, unknown>) => putSettingRequestSchema.safeParse(body).success;

  it('takes keys of 1 to 100 letters, digits and _ . : -', () => {
    expect(valid({ key: 'a.b:c_d-E9', value: 1 })).toBe(true);
    expect(valid({ key: 'x'.repeat(100), value: 1 })).toBe(true);
    expect(valid({ key: 'x'.repeat(101), value: 1 })).toBe(false);
    expect(valid({ key: 'has space', value: 1 })).toBe(false);
    expect(valid({ key: 'slash/no', value: 1 })).toBe(false);
  });

  it('takes any JSON value up to 64 KiB, null included, but not none at all', () => {
    expect(valid({ key: 'k', value: null })).toBe(true);
    expect(valid({ key: 'k', value: [1, 'two', { three: false }] })).toBe(true);
    expect(valid({ key: 'k', value: 'x'.repeat(64 * 1024 - 2) })).toBe(true);
    expect(valid({ key: 'k', value: 'x'.repeat(64 * 1024 - 1) })).toBe(false);
    expect(valid({ key: 'k' })).toBe(false);
  });

  it('refuses the NUL character, which the store cannot hold', () => {
    expect(valid({ key: 'k', value: { nested: ['a\u0000b'] } })).toBe(false);
    expect(valid({ key: 'k', value: { 'a\u0000': 1 } })).toBe(false);
  });
});

describe('setting integration events', () => {
  it('publish creations and updates with the value and the version', () => {
    const stream = settingStream(OWNER, 'ui.theme');
    expect(settingIntegrationEvent(recorded(stream, created))).toEqual({
      subject: 'cairn.accounts.setting.created.v1',
      data: { ownerId: OWNER, key: 'ui.theme', value: { mode: 'dark' }, version: 1, occurredAt: T0 },
    });
    expect(settingIntegrationEvent(recorded(stream, updated))).toEqual({
      subject: 'cairn.accounts.setting.updated.v1',
      data: { ownerId: OWNER, key: 'ui.theme', value: { mode: 'light' }, version: 2, occurredAt: T1 },
    });
  });
});
