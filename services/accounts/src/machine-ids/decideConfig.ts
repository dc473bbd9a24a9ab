/**
 * Saving the machine-id configuration, as a pure function. Like a setting, PUT cannot overwrite by
 * accident: without a version it may only make the first save, with a version it may only replace that
 * version; otherwise 409 VERSION_CONFLICT with the current configuration. Saving what is already
 * there records nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import type { MachineIdSettings } from '@cairn/shared/contracts';
import type { Decider } from '@cairn/shared/eventstore';
import { versionConflict } from '../library/conflicts.js';
import {
  evolveMachineConfig,
  initialMachineConfigState,
  type MachineConfigEvent,
  type MachineConfigState,
  settingsOf,
  toMachineConfigView,
} from './config.js';

export interface SaveMachineConfig {
  readonly type: 'SaveMachineConfig';
  readonly ownerId: string;
  readonly settings: MachineIdSettings;
  readonly expectedVersion: number | undefined;
  readonly now: string;
}

export function decideMachineConfig(
  command: SaveMachineConfig,
  state: MachineConfigState,
): readonly MachineConfigEvent[] {
  const currentVersion = state.kind === 'saved' ? state.version : 0;
  if (state.kind === 'saved' && command.expectedVersion === undefined) {
    throw versionConflict(
      'configuration',
      currentVersion,
      toMachineConfigView(state),
      'The configuration was saved before; name its version to replace it',
    );
  }
  if (command.expectedVersion !== undefined && command.expectedVersion !== currentVersion) {
    throw versionConflict('configuration', currentVersion, toMachineConfigView(state));
  }
  const settings = settingsOf(command.settings);
  if (state.kind === 'saved' && isDeepStrictEqual(settings, settingsOf(state.settings))) return [];
  return [
    {
      type: 'MachineIdConfigSaved',
      data: { ownerId: command.ownerId, ...settings, version: currentVersion + 1, at: command.now },
    },
  ];
}

export const machineConfigDecider: Decider<SaveMachineConfig, MachineConfigState, MachineConfigEvent> = {
  initialState: initialMachineConfigState,
  evolve: evolveMachineConfig,
  decide: decideMachineConfig,
};
