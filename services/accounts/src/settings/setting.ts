/**
 * The setting aggregate (stream `setting-<ownerId>:<key>`): one key of the user's settings, any JSON
 * value, versioned on its own so that two devices changing different keys never conflict. Settings are
 * never deleted (the contract has no delete); every event carries the key's version after its command.
 */
import type { Setting } from '@cairn/shared/contracts';
import { ownedStreamParts } from '../library/owner.js';

export const SETTING_STREAM_PREFIX = 'setting-';
export const settingStream = (ownerId: string, key: string): string => `${SETTING_STREAM_PREFIX}${ownerId}:${key}`;
export const settingStreamParts = (streamName: string) => ownedStreamParts(streamName, SETTING_STREAM_PREFIX);

interface SettingChange {
  readonly ownerId: string;
  readonly key: string;
  readonly value: unknown;
  readonly version: number;
  readonly at: string;
}

export type SettingEvent =
  | { readonly type: 'SettingCreated'; readonly data: SettingChange }
  | { readonly type: 'SettingUpdated'; readonly data: SettingChange };

export type SettingEventType = SettingEvent['type'];
export const SETTING_EVENT_TYPES: readonly SettingEventType[] = ['SettingCreated', 'SettingUpdated'];

export interface ExistingSetting {
  readonly kind: 'existing';
  readonly ownerId: string;
  readonly key: string;
  readonly value: unknown;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type SettingState = { readonly kind: 'absent' } | ExistingSetting;

export const initialSettingState = (): SettingState => ({ kind: 'absent' });

export function evolveSetting(state: SettingState, event: SettingEvent): SettingState {
  const { ownerId, key, value, version, at } = event.data;
  switch (event.type) {
    case 'SettingCreated':
      return { kind: 'existing', ownerId, key, value, version, createdAt: at, updatedAt: at };
    case 'SettingUpdated':
      return state.kind === 'existing' ? { ...state, value, version, updatedAt: at } : state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const toSettingView = (setting: ExistingSetting): Setting => ({
  key: setting.key,
  value: setting.value,
  version: setting.version,
  createdAt: setting.createdAt,
  updatedAt: setting.updatedAt,
});
