export { eventStoreDdl, quoteIdentifier } from './schema.js';
export { limitIdleTransactions } from './session.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './store.js';
