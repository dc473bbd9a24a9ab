/**
 * Machine-id events as integration events (`cairn.accounts.machine-id-config.updated.v1`,
 * `…machine-id-binding.bound|unbound.v1`, `…machine-id-history.recorded.v1`), built field by field and
 * parsed by the contract's schemas.
 */
import { accountsIntegrationEvents } from '@cairn/shared/contracts';
import type { RecordedEvent } from '@cairn/shared/eventstore';
import type { IntegrationMessage } from '@cairn/shared/relay';
import type { MachineIdEvent } from './binding.js';
import type { MachineConfigEvent } from './config.js';

export function machineIdIntegrationEvent(recorded: RecordedEvent): IntegrationMessage | undefined {
  const e = { type: recorded.type, data: recorded.data } as MachineIdEvent | MachineConfigEvent;
  switch (e.type) {
    case 'MachineIdConfigSaved': {
      const subject = 'cairn.accounts.machine-id-config.updated.v1';
      const d = e.data;
      const data = {
        ownerId: d.ownerId,
        autoSwitch: d.autoSwitch,
        useBindings: d.useBindings,
        rotateOnSwitch: d.rotateOnSwitch,
        bindOnFirstUse: d.bindOnFirstUse,
        extra: d.extra,
        version: d.version,
        occurredAt: d.at,
      };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'MachineIdBound': {
      const subject = 'cairn.accounts.machine-id-binding.bound.v1';
      const { ownerId, accountId, machineId, previousMachineId, reason, version, at } = e.data;
      const data = { ownerId, accountId, machineId, previousMachineId, reason, version, occurredAt: at };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'MachineIdUnbound': {
      const subject = 'cairn.accounts.machine-id-binding.unbound.v1';
      const { ownerId, accountId, machineId, reason, version, at } = e.data;
      const data = { ownerId, accountId, machineId, reason, version, occurredAt: at };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    case 'MachineIdRecorded': {
      const subject = 'cairn.accounts.machine-id-history.recorded.v1';
      const { ownerId, accountId, entryId, machineId, reason, at, recordedAt } = e.data;
      const data = { ownerId, accountId, entryId, machineId, reason, at, occurredAt: recordedAt };
      return { subject, data: accountsIntegrationEvents[subject].parse(data) };
    }
    default:
      return undefined;
  }
}
