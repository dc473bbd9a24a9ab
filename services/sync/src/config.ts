/** The sync service's configuration, parsed from the environment once at start-up. */
import { loadConfig } from '@cairn/shared/config';
import { z } from 'zod';

const DAY_MS = 24 * 3600 * 1000;

export const syncConfigSchema = z.object({
  /** Changes older than this are compacted away; older cursors get 409 SNAPSHOT_REQUIRED. */
  CAIRN_SYNC_RETENTION_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * DAY_MS),
  CAIRN_SYNC_COMPACTION_INTERVAL_MS: z.coerce.number().int().positive().default(3600_000),
  /** Changes within this window reach a user's sockets as one `sync` message. */
  CAIRN_SYNC_NOTIFY_DEBOUNCE_MS: z.coerce.number().int().min(0).default(15),
  /** How long a push waits for its own changes to reach the change log before answering anyway. */
  CAIRN_SYNC_PUSH_WAIT_MS: z.coerce.number().int().positive().default(3000),
  /** Consumer instances per process: events in hand at once, recorded together in one batch. */
  CAIRN_SYNC_INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** How long the first answer to a (clientId, mutationId) push is kept for repeats. */
  CAIRN_SYNC_PUSH_REPLAY_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * DAY_MS),
});

export interface SyncConfig {
  readonly retentionMs: number;
  readonly compactionIntervalMs: number;
  readonly notifyDebounceMs: number;
  readonly pushWaitMs: number;
  readonly pushReplayMs: number;
  readonly ingestConcurrency: number;
}

export function loadSyncConfig(env: NodeJS.ProcessEnv): SyncConfig {
  const parsed = loadConfig(syncConfigSchema, env);
  return {
    retentionMs: parsed.CAIRN_SYNC_RETENTION_MS,
    compactionIntervalMs: parsed.CAIRN_SYNC_COMPACTION_INTERVAL_MS,
    notifyDebounceMs: parsed.CAIRN_SYNC_NOTIFY_DEBOUNCE_MS,
    pushWaitMs: parsed.CAIRN_SYNC_PUSH_WAIT_MS,
    pushReplayMs: parsed.CAIRN_SYNC_PUSH_REPLAY_MS,
    ingestConcurrency: parsed.CAIRN_SYNC_INGEST_CONCURRENCY,
  };
}
