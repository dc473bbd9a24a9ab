/** Accounts v2 contract: settings (filled in by the settings slice). */
export const settingsOperations = {} as const;
