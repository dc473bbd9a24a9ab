export { type TransactionOptions, withTransaction } from './transaction.js';
