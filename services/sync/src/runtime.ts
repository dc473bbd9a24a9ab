/** Everything the sync handlers share, built once by `startSyncService`. */
import type { Bus } from '@cairn/shared/bus';
import type { Logger } from '@cairn/shared/logging';
import type { Pool } from 'pg';
import type { SyncTables } from './changelog/schema.js';
import type { SyncConfig } from './config.js';
import type { RecordedChanges } from './ingest/signal.js';

export interface SyncRuntime {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly config: SyncConfig;
  readonly tables: SyncTables;
  /** What this process's consumer records, as it commits (push waits on it). */
  readonly recorded: RecordedChanges;
}
