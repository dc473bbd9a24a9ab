/** Every slice of the accounts service; service.ts composes them. */
import type { AccountsSlice } from './slice.js';

export const ACCOUNTS_SLICES: readonly AccountsSlice[] = [];
