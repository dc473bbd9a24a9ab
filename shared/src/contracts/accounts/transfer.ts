/** Accounts v2 contract: transfer (filled in by the transfer slice). */
export const transferOperations = {} as const;
