/**
 * The machine-id configuration of a user (stream `machine-config-<ownerId>`): one versioned object.
 * Until the first save the defaults apply and the version is 0; each save records the whole object.
 */
import { type MachineIdConfig, type MachineIdSettings, machineIdSettingsSchema } from '@cairn/shared/contracts';

export const MACHINE_CONFIG_STREAM_PREFIX = 'machine-config-';
export const machineConfigStream = (ownerId: string): string => `${MACHINE_CONFIG_STREAM_PREFIX}${ownerId}`;

export type MachineConfigEvent = {
  readonly type: 'MachineIdConfigSaved';
  readonly data: MachineIdSettings & { readonly ownerId: string; readonly version: number; readonly at: string };
};

export const MACHINE_CONFIG_EVENT_TYPES: readonly MachineConfigEvent['type'][] = ['MachineIdConfigSaved'];

export type MachineConfigState =
  | { readonly kind: 'defaults' }
  | {
      readonly kind: 'saved';
      readonly settings: MachineIdSettings;
      readonly version: number;
      readonly createdAt: string;
      readonly updatedAt: string;
    };

export const initialMachineConfigState = (): MachineConfigState => ({ kind: 'defaults' });

export function evolveMachineConfig(state: MachineConfigState, event: MachineConfigEvent): MachineConfigState {
  const { ownerId: _ownerId, version, at, ...settings } = event.data;
  return {
    kind: 'saved',
    settings,
    version,
    createdAt: state.kind === 'saved' ? state.createdAt : at,
    updatedAt: at,
  };
}

export const DEFAULT_MACHINE_ID_SETTINGS: MachineIdSettings = machineIdSettingsSchema.parse({});

/** Only the named settings: an event's extra fields (e.g. ownerId) never reach the API. */
export const settingsOf = (s: MachineIdSettings): MachineIdSettings => ({
  autoSwitch: s.autoSwitch,
  useBindings: s.useBindings,
  rotateOnSwitch: s.rotateOnSwitch,
  bindOnFirstUse: s.bindOnFirstUse,
  extra: s.extra,
});

export const toMachineConfigView = (state: MachineConfigState): MachineIdConfig =>
  state.kind === 'defaults'
    ? { ...settingsOf(DEFAULT_MACHINE_ID_SETTINGS), version: 0, createdAt: null, updatedAt: null }
    : { ...settingsOf(state.settings), version: state.version, createdAt: state.createdAt, updatedAt: state.updatedAt };
