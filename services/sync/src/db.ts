/** The schema every sync table lives in (decision 7: a service owns its schema). */
export const SYNC_SCHEMA = 'sync';
