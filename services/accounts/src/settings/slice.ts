/** The settings slice: one aggregate per key, the settings read model and public events, the operations. */
import { settingsOperations as contract } from '@cairn/shared/contracts';
import { operation } from '@cairn/shared/runtime';
import type { AccountsSlice } from '../slice.js';
import { batchSettings, getSetting, listSettings, putSetting } from './handlers.js';
import { settingIntegrationEvent } from './integration.js';
import { settingsProjection } from './readModel.js';
import { SETTING_STREAM_PREFIX } from './setting.js';

export const settingsSlice: AccountsSlice = {
  name: 'settings',
  projections: [settingsProjection],
  publicStreamPrefixes: [SETTING_STREAM_PREFIX],
  toIntegrationEvent: settingIntegrationEvent,
  operations: (rt) => ({
    listSettings: operation(contract.listSettings.request, (input, ctx) => listSettings(rt, input, ctx)),
    getSetting: operation(contract.getSetting.request, (input, ctx) => getSetting(rt, input, ctx)),
    putSetting: operation(contract.putSetting.request, (input, ctx) => putSetting(rt, input, ctx)),
    batchSettings: rt.idempotent(
      'batchSettings',
      operation(contract.batchSettings.request, (input, ctx) => batchSettings(rt, input, ctx)),
    ),
  }),
};
