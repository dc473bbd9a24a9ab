/**
 * The machine id of one account (stream `machine-id-<ownerId>:<accountId>`): the binding (at most one
 * machine id at a time) and the history of machine ids used with the account. The binding's version
 * counts binds, rebinds and unbinds and is never reset, so a copy read before an unbind can never match
 * a later binding. History entries leave the version alone: they are not part of the binding.
 */
import type { MachineIdBinding } from '@cairn/shared/contracts';
import { ownedStreamParts } from '../library/owner.js';

export const MACHINE_ID_STREAM_PREFIX = 'machine-id-';
export const machineIdStream = (ownerId: string, accountId: string): string =>
  `${MACHINE_ID_STREAM_PREFIX}${ownerId}:${accountId}`;
export const machineIdStreamParts = (streamName: string) => ownedStreamParts(streamName, MACHINE_ID_STREAM_PREFIX);

/** Why the binding went when the account was deleted for good. */
export const ACCOUNT_PURGED_REASON = 'account-purged';

interface MachineIdChange {
  readonly ownerId: string;
  readonly accountId: string;
  readonly machineId: string;
  readonly reason: string | null;
  readonly at: string;
}

export type MachineIdEvent =
  | {
      readonly type: 'MachineIdBound';
      readonly data: MachineIdChange & { readonly previousMachineId: string | null; readonly version: number };
    }
  /** `boundAt`: when the binding that went was made. */
  | {
      readonly type: 'MachineIdUnbound';
      readonly data: MachineIdChange & { readonly boundAt: string; readonly version: number };
    }
  /** A history entry a client added; `at` is when the machine id was used, `recordedAt` when it was told. */
  | {
      readonly type: 'MachineIdRecorded';
      readonly data: MachineIdChange & { readonly entryId: string; readonly recordedAt: string };
    };

export type MachineIdEventType = MachineIdEvent['type'];
export const MACHINE_ID_EVENT_TYPES: readonly MachineIdEventType[] = [
  'MachineIdBound',
  'MachineIdUnbound',
  'MachineIdRecorded',
];

export interface Binding {
  readonly machineId: string;
  readonly boundAt: string;
  readonly updatedAt: string;
}

export interface MachineIdState {
  /** 0 until the first bind. */
  readonly version: number;
  readonly binding: Binding | null;
}

export const initialMachineIdState = (): MachineIdState => ({ version: 0, binding: null });

export function evolveMachineId(state: MachineIdState, event: MachineIdEvent): MachineIdState {
  switch (event.type) {
    case 'MachineIdBound': {
      const { machineId, version, at } = event.data;
      return { version, binding: { machineId, boundAt: at, updatedAt: at } };
    }
    case 'MachineIdUnbound':
      return { version: event.data.version, binding: null };
    case 'MachineIdRecorded':
      return state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const toBindingView = (accountId: string, version: number, binding: Binding): MachineIdBinding => ({
  accountId,
  machineId: binding.machineId,
  version,
  boundAt: binding.boundAt,
  updatedAt: binding.updatedAt,
});
