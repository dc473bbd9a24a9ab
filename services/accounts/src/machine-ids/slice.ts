/**
 * The machine-ids slice: the per-user configuration, each account's binding and history, their read
 * model and public events, the reaction that unbinds purged accounts, and the machine-ids operations.
 */
import { machineIdsOperations as contract } from '@cairn/shared/contracts';
import { operation } from '@cairn/shared/runtime';
import type { AccountsSlice } from '../slice.js';
import { MACHINE_ID_STREAM_PREFIX } from './binding.js';
import { MACHINE_CONFIG_STREAM_PREFIX } from './config.js';
import { getMachineIdConfig, putMachineIdConfig } from './configHandlers.js';
import {
  bindMachineId,
  listMachineIdBindings,
  listMachineIdHistory,
  recordMachineIdHistory,
  unbindMachineId,
} from './handlers.js';
import { machineIdIntegrationEvent } from './integration.js';
import { unbindPurgedAccounts } from './reactor.js';
import { machineIdsProjection } from './readModel.js';

export const machineIdsSlice: AccountsSlice = {
  name: 'machine-ids',
  projections: [machineIdsProjection],
  reactors: (rt) => [unbindPurgedAccounts(rt)],
  publicStreamPrefixes: [MACHINE_CONFIG_STREAM_PREFIX, MACHINE_ID_STREAM_PREFIX],
  toIntegrationEvent: machineIdIntegrationEvent,
  operations: (rt) => ({
    getMachineIdConfig: operation(contract.getMachineIdConfig.request, (input, ctx) =>
      getMachineIdConfig(rt, input, ctx),
    ),
    putMachineIdConfig: operation(contract.putMachineIdConfig.request, (input, ctx) =>
      putMachineIdConfig(rt, input, ctx),
    ),
    listMachineIdBindings: operation(contract.listMachineIdBindings.request, (input, ctx) =>
      listMachineIdBindings(rt, input, ctx),
    ),
    bindMachineId: operation(contract.bindMachineId.request, (input, ctx) => bindMachineId(rt, input, ctx)),
    unbindMachineId: operation(contract.unbindMachineId.request, (input, ctx) => unbindMachineId(rt, input, ctx)),
    listMachineIdHistory: operation(contract.listMachineIdHistory.request, (input, ctx) =>
      listMachineIdHistory(rt, input, ctx),
    ),
    recordMachineIdHistory: rt.idempotent(
      'recordMachineIdHistory',
      operation(contract.recordMachineIdHistory.request, (input, ctx) => recordMachineIdHistory(rt, input, ctx)),
    ),
  }),
};
