export { loadSyncConfig, type SyncConfig, syncConfigSchema } from './config.js';
export { startSyncService } from './service.js';
