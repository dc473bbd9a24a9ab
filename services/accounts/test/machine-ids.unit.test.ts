/**
 * Machine ids (CONTRACT.md "Accounts v2"): the configuration and each account's binding are upserts
 * that cannot overwrite by accident; unbinding needs the version; the version of a binding is never
 * reset, so a copy from before an unbind cannot match a later binding; the reaction to a purged account
 * unbinds once and then does nothing. Also how the events are published.
 */
import { describe, expect, it } from 'vitest';
import { type MachineIdEvent, machineIdStream } from '../src/machine-ids/binding.js';
import {
  DEFAULT_MACHINE_ID_SETTINGS,
  type MachineConfigEvent,
  machineConfigStream,
} from '../src/machine-ids/config.js';
import { machineIdDecider } from '../src/machine-ids/decideBinding.js';
import { machineConfigDecider } from '../src/machine-ids/decideConfig.js';
import { machineIdIntegrationEvent } from '../src/machine-ids/integration.js';
import { fold, OWNER, recorded, spec, T0, T1, T2 } from './support/library-spec.js';

const bindings = spec(machineIdDecider);
const target = { ownerId: OWNER, accountId: 'acc-1' };
const bound: MachineIdEvent = {
  type: 'MachineIdBound',
  data: { ...target, machineId: 'm-1', previousMachineId: null, reason: null, version: 1, at: T0 },
};
const rebound: MachineIdEvent = {
  type: 'MachineIdBound',
  data: { ...target, machineId: 'm-2', previousMachineId: 'm-1', reason: 'rotated', version: 2, at: T1 },
};
const unbound: MachineIdEvent = {
  type: 'MachineIdUnbound',
  data: { ...target, machineId: 'm-1', boundAt: T0, reason: null, version: 2, at: T1 },
};
const bind = (machineId: string, expectedVersion: number | undefined, reason: string | null = null, now = T0) =>
  ({ type: 'BindMachineId', ...target, machineId, reason, expectedVersion, now }) as const;

describe('binding a machine id to an account', () => {
  it('without a version binds an unbound account at version 1', () => {
    bindings.given([]).when(bind('m-1', undefined)).then([bound]);
  });

  it('without a version, when one is bound already, is a conflict carrying the binding', () => {
    bindings
      .given([bound])
      .when(bind('m-2', undefined))
      .thenFails('VERSION_CONFLICT', {
        currentVersion: 1,
        current: { accountId: 'acc-1', machineId: 'm-1', version: 1, boundAt: T0, updatedAt: T0 },
      });
  });

  it('with the current version rebinds, naming the machine id it replaces', () => {
    bindings
      .given([bound])
      .when(bind('m-2', 1, 'rotated', T1))
      .then([rebound]);
    bindings.given([bound, rebound]).when(bind('m-3', 1)).thenFails('VERSION_CONFLICT');
  });

  it('to the machine id already bound records nothing', () => {
    bindings.given([bound]).when(bind('m-1', 1)).then([]);
  });

  it('after an unbind continues the version: the old copy (version 1) no longer matches', () => {
    bindings
      .given([bound, unbound])
      .when(bind('m-9', 1))
      .thenFails('VERSION_CONFLICT', { currentVersion: 2, current: null });
    bindings
      .given([bound, unbound])
      .when(bind('m-9', undefined, null, T2))
      .then([
        {
          type: 'MachineIdBound',
          data: { ...target, machineId: 'm-9', previousMachineId: null, reason: null, version: 3, at: T2 },
        },
      ]);
  });
});

describe('unbinding', () => {
  const unbind = (expectedVersion: number) =>
    ({ type: 'UnbindMachineId', ...target, reason: null, expectedVersion, now: T1 }) as const;

  it('at the current version records the machine id that went and when it was bound', () => {
    bindings.given([bound]).when(unbind(1)).then([unbound]);
  });

  it('at a stale version is a conflict; with nothing bound it is not found', () => {
    bindings.given([bound, rebound]).when(unbind(1)).thenFails('VERSION_CONFLICT');
    bindings.given([]).when(unbind(1)).thenFails('BINDING_NOT_FOUND');
    bindings.given([bound, unbound]).when(unbind(2)).thenFails('BINDING_NOT_FOUND');
  });

  it('for a purged account needs no version, and a second time does nothing', () => {
    const purge = { type: 'UnbindForPurgedAccount', ...target, now: T2 } as const;
    bindings
      .given([bound, rebound])
      .when(purge)
      .then([
        {
          type: 'MachineIdUnbound',
          data: { ...target, machineId: 'm-2', boundAt: T1, reason: 'account-purged', version: 3, at: T2 },
        },
      ]);
    bindings.given([bound, unbound]).when(purge).then([]);
    bindings.given([]).when(purge).then([]);
  });
});

describe('recording a machine id in the history', () => {
  it('records the entry and leaves the binding and its version alone', () => {
    const recordedUse: MachineIdEvent = {
      type: 'MachineIdRecorded',
      data: { ...target, entryId: 'e-1', machineId: 'm-7', reason: 'switch', at: T0, recordedAt: T1 },
    };
    bindings
      .given([bound])
      .when({
        type: 'RecordMachineId',
        ...target,
        entryId: 'e-1',
        machineId: 'm-7',
        reason: 'switch',
        usedAt: T0,
        now: T1,
      })
      .then([recordedUse]);
    expect(fold(machineIdDecider, [bound, recordedUse])).toEqual(fold(machineIdDecider, [bound]));
  });
});

describe('the machine-id configuration', () => {
  const config = spec(machineConfigDecider);
  const settings = { ...DEFAULT_MACHINE_ID_SETTINGS, autoSwitch: true, extra: { theme: 'x' } };
  const saved: MachineConfigEvent = {
    type: 'MachineIdConfigSaved',
    data: { ownerId: OWNER, ...settings, version: 1, at: T0 },
  };
  const save = (expectedVersion: number | undefined, s = settings) =>
    ({ type: 'SaveMachineConfig', ownerId: OWNER, settings: s, expectedVersion, now: T0 }) as const;

  it('is saved the first time without a version, at version 1', () => {
    config.given([]).when(save(undefined)).then([saved]);
  });

  it('is replaced only at its current version; without one, once saved, is a conflict', () => {
    config.given([saved]).when(save(undefined)).thenFails('VERSION_CONFLICT');
    config.given([saved]).when(save(2)).thenFails('VERSION_CONFLICT');
    config
      .given([])
      .when(save(1))
      .thenFails('VERSION_CONFLICT', {
        currentVersion: 0,
        current: { ...DEFAULT_MACHINE_ID_SETTINGS, version: 0, createdAt: null, updatedAt: null },
      });
    const changed = { ...settings, rotateOnSwitch: true };
    config
      .given([saved])
      .when({ ...save(1, changed), now: T1 })
      .then([{ type: 'MachineIdConfigSaved', data: { ownerId: OWNER, ...changed, version: 2, at: T1 } }]);
  });

  it('saved unchanged records nothing', () => {
    config.given([saved]).when(save(1)).then([]);
  });
});

describe('machine-id integration events', () => {
  const stream = machineIdStream(OWNER, 'acc-1');

  it('publish binds, unbinds and recorded uses with the owner and the account', () => {
    expect(machineIdIntegrationEvent(recorded(stream, rebound))).toEqual({
      subject: 'cairn.accounts.machine-id-binding.bound.v1',
      data: { ...target, machineId: 'm-2', previousMachineId: 'm-1', reason: 'rotated', version: 2, occurredAt: T1 },
    });
    expect(machineIdIntegrationEvent(recorded(stream, unbound))).toEqual({
      subject: 'cairn.accounts.machine-id-binding.unbound.v1',
      data: { ...target, machineId: 'm-1', reason: null, version: 2, occurredAt: T1 },
    });
    const use: MachineIdEvent = {
      type: 'MachineIdRecorded',
      data: { ...target, entryId: 'e-1', machineId: 'm-7', reason: null, at: T0, recordedAt: T1 },
    };
    expect(machineIdIntegrationEvent(recorded(stream, use))).toEqual({
      subject: 'cairn.accounts.machine-id-history.recorded.v1',
      data: { ...target, entryId: 'e-1', machineId: 'm-7', reason: null, at: T0, occurredAt: T1 },
    });
  });

  it('publish every save of the configuration', () => {
    const saved: MachineConfigEvent = {
      type: 'MachineIdConfigSaved',
      data: { ownerId: OWNER, ...DEFAULT_MACHINE_ID_SETTINGS, version: 1, at: T0 },
    };
    expect(machineIdIntegrationEvent(recorded(machineConfigStream(OWNER), saved))).toEqual({
      subject: 'cairn.accounts.machine-id-config.updated.v1',
      data: { ownerId: OWNER, ...DEFAULT_MACHINE_ID_SETTINGS, version: 1, occurredAt: T0 },
    });
  });
});
