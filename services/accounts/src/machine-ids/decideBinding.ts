/**
 * What a command does to an account's machine id, as a pure function. Binding is an upsert that cannot
 * overwrite by accident (as settings): without a version it only binds an unbound account, with a
 * version it only rebinds exactly that version; otherwise 409 VERSION_CONFLICT with the current
 * binding (null when unbound). Unbinding needs the version; unbinding for a purged account does not,
 * and does nothing when there is nothing bound (the reaction may run again).
 */
import type { MachineIdBinding } from '@cairn/shared/contracts';
import type { Decider } from '@cairn/shared/eventstore';
import { DomainError } from '@cairn/shared/http';
import { versionConflict } from '../library/conflicts.js';
import {
  ACCOUNT_PURGED_REASON,
  evolveMachineId,
  initialMachineIdState,
  type MachineIdEvent,
  type MachineIdState,
  toBindingView,
} from './binding.js';

interface Target {
  readonly ownerId: string;
  readonly accountId: string;
  readonly now: string;
}

export type MachineIdCommand =
  | (Target & {
      readonly type: 'BindMachineId';
      readonly machineId: string;
      readonly reason: string | null;
      readonly expectedVersion: number | undefined;
    })
  | (Target & { readonly type: 'UnbindMachineId'; readonly reason: string | null; readonly expectedVersion: number })
  | (Target & { readonly type: 'UnbindForPurgedAccount' })
  | (Target & {
      readonly type: 'RecordMachineId';
      readonly entryId: string;
      readonly machineId: string;
      readonly reason: string | null;
      readonly usedAt: string;
    });

export const bindingNotFound = (): DomainError =>
  new DomainError('BINDING_NOT_FOUND', 'No machine id is bound to this account');

export function decideMachineId(command: MachineIdCommand, state: MachineIdState): readonly MachineIdEvent[] {
  const { ownerId, accountId, now: at } = command;
  const current = state.binding ? toBindingView(accountId, state.version, state.binding) : null;
  const next = state.version + 1;
  switch (command.type) {
    case 'BindMachineId': {
      if (command.expectedVersion === undefined && current) {
        throw versionConflict(
          'binding',
          state.version,
          current,
          'A machine id is bound to this account already; name the binding version to replace it',
        );
      }
      if (command.expectedVersion !== undefined && (!current || command.expectedVersion !== state.version)) {
        throw versionConflict('binding', state.version, current);
      }
      if (current?.machineId === command.machineId) return [];
      const previousMachineId = current?.machineId ?? null;
      const { machineId, reason } = command;
      return [
        {
          type: 'MachineIdBound',
          data: { ownerId, accountId, machineId, previousMachineId, reason, version: next, at },
        },
      ];
    }
    case 'UnbindMachineId':
      if (!current) throw bindingNotFound();
      if (command.expectedVersion !== state.version) throw versionConflict('binding', state.version, current);
      return [unbound(command, current, command.reason, next)];
    case 'UnbindForPurgedAccount':
      return current ? [unbound(command, current, ACCOUNT_PURGED_REASON, next)] : [];
    case 'RecordMachineId': {
      const { entryId, machineId, reason, usedAt } = command;
      return [
        {
          type: 'MachineIdRecorded',
          data: { ownerId, accountId, entryId, machineId, reason, at: usedAt, recordedAt: at },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function unbound(target: Target, binding: MachineIdBinding, reason: string | null, version: number): MachineIdEvent {
  const { ownerId, accountId, now: at } = target;
  const { machineId, boundAt } = binding;
  return { type: 'MachineIdUnbound', data: { ownerId, accountId, machineId, boundAt, reason, version, at } };
}

export const machineIdDecider: Decider<MachineIdCommand, MachineIdState, MachineIdEvent> = {
  initialState: initialMachineIdState,
  evolve: evolveMachineId,
  decide: decideMachineId,
};
