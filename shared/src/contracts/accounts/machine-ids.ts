/** Accounts v2 contract: machine-ids (filled in by the machine-ids slice). */
export const machineIdsOperations = {} as const;
