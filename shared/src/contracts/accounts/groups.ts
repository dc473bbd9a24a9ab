/** Accounts v2 contract: groups (filled in by the groups slice). */
export const groupsOperations = {} as const;
