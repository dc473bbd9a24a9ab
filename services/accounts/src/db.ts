/** The schema every accounts table lives in (decision 7: a service owns its schema). */
export const ACCOUNTS_SCHEMA = 'accounts';
