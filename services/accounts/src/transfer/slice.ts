/**
 * The transfer slice: export and import of everything of a user (contract: transfer.ts). It has no
 * aggregate, read model or event of its own: export reads what the GETs read, and import runs the
 * other slices' commands, so its changes are their ordinary events.
 */
import { transferOperations as contract } from '@cairn/shared/contracts';
import { operation } from '@cairn/shared/runtime';
import { accountsContextOf } from '../accounts/slice.js';
import type { AccountsSlice } from '../slice.js';
import { exportData } from './export.js';
import { importData } from './import.js';

export const transferSlice: AccountsSlice = {
  name: 'transfer',
  projections: [],
  publicStreamPrefixes: [],
  toIntegrationEvent: () => undefined,
  operations: (rt) => {
    const ax = accountsContextOf(rt);
    return {
      exportData: operation(contract.exportData.request, (input, ctx) => exportData(ax, input, ctx)),
      importData: rt.idempotent(
        'importData',
        operation(contract.importData.request, (input, ctx) => importData(ax, input, ctx)),
      ),
    };
  },
};
