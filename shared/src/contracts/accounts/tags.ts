/** Accounts v2 contract: tags (filled in by the tags slice). */
export const tagsOperations = {} as const;
