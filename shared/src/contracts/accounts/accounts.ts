/** Accounts v2 contract: accounts (filled in by the accounts slice). */
export const accountsOperations = {} as const;
