/**
 * The accounts service's integration events: subjects on `CAIRN_EVENTS` and the zod schemas of their
 * data. Public and versioned (a change that is not purely additive gets a new `.v<N>`). They never
 * carry credentials, not even encrypted.
 */
export const accountsIntegrationEvents = {} as const;
