/**
 * Putting a setting, as a pure function of the command and the key's current state. PUT is an upsert
 * that never overwrites by accident: without a version it may only create, with a version it may only
 * replace that version. Anything else is a 409 VERSION_CONFLICT with the current copy (null if none).
 * Putting the value the key already has records nothing, and the version stays.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Decider } from '@cairn/shared/eventstore';
import { versionConflict } from '../library/conflicts.js';
import { evolveSetting, initialSettingState, type SettingEvent, type SettingState, toSettingView } from './setting.js';

export interface PutSetting {
  readonly type: 'PutSetting';
  readonly ownerId: string;
  readonly key: string;
  readonly value: unknown;
  /** Undefined: create the key. A number: replace exactly that version. */
  readonly expectedVersion: number | undefined;
  readonly now: string;
}

export function decideSetting(command: PutSetting, state: SettingState): readonly SettingEvent[] {
  const { ownerId, key, value, expectedVersion, now: at } = command;
  if (state.kind === 'absent') {
    if (expectedVersion !== undefined) {
      throw versionConflict('setting', 0, null, `The setting ${key} does not exist; create it without a version`);
    }
    return [{ type: 'SettingCreated', data: { ownerId, key, value, version: 1, at } }];
  }
  if (expectedVersion === undefined) {
    throw versionConflict(
      'setting',
      state.version,
      toSettingView(state),
      `The setting ${key} exists already; name its version to replace it`,
    );
  }
  if (expectedVersion !== state.version) throw versionConflict('setting', state.version, toSettingView(state));
  if (isDeepStrictEqual(value, state.value)) return [];
  return [{ type: 'SettingUpdated', data: { ownerId, key, value, version: state.version + 1, at } }];
}

export const settingDecider: Decider<PutSetting, SettingState, SettingEvent> = {
  initialState: initialSettingState,
  evolve: evolveSetting,
  decide: decideSetting,
};
