export { type AccountsConfig, accountsConfigSchema, loadAccountsConfig } from './config.js';
export {
  ACCOUNTS_PROJECTIONS,
  type AccountsServiceOptions,
  startAccountsService,
  toIntegrationEvent,
} from './service.js';
