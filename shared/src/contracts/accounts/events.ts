/**
 * The accounts service's integration events: subjects on `CAIRN_EVENTS` and the zod schemas of their
 * data. Public and versioned (a change that is not purely additive gets a new `.v<N>`). They never
 * carry credentials, not even encrypted.
 */
import { accountsAccountIntegrationEvents } from './events-accounts.js';
import { accountsLibraryIntegrationEvents } from './events-library.js';

export * from './events-accounts.js';
export * from './events-library.js';

export const accountsIntegrationEvents = {
  ...accountsAccountIntegrationEvents,
  ...accountsLibraryIntegrationEvents,
} as const;
