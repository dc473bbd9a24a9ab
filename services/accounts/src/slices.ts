/** Every slice of the accounts service; service.ts composes them. */
import { accountsSlice } from './accounts/slice.js';
import { groupsSlice } from './groups/slice.js';
import { machineIdsSlice } from './machine-ids/slice.js';
import { settingsSlice } from './settings/slice.js';
import type { AccountsSlice } from './slice.js';
import { tagsSlice } from './tags/slice.js';
import { transferSlice } from './transfer/slice.js';

export const ACCOUNTS_SLICES: readonly AccountsSlice[] = [
  accountsSlice,
  groupsSlice,
  tagsSlice,
  settingsSlice,
  machineIdsSlice,
  transferSlice,
];
