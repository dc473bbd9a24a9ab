export { type ChangeLogRebuildResult, rebuildChangeLog } from './changelog/rebuild.js';
export { syncTables } from './changelog/schema.js';
export { loadSyncConfig, type SyncConfig, syncConfigSchema } from './config.js';
export { SYNC_SCHEMA } from './db.js';
export { startSyncService } from './service.js';
