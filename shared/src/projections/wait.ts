import type pg from 'pg';
import { comparePositions, type GlobalPosition } from '../eventstore/port.js';
import { withTransaction } from '../postgres/transaction.js';
import { loadCheckpoint } from './checkpoints.js';

/** Runs schema setup in one transaction, serialised across replicas that start together. */
export async function initialiseSchema(
  pool: pg.Pool,
  schema: string,
  work: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  await withTransaction(pool, work, { advisoryLock: `cairn.projections.init.${schema}` });
}

/** What a runner in this process knows: the live checkpoint, and a notification when it moves. */
export interface LocalProgress {
  /** The checkpoint if this process runs the projection now, else undefined. */
  local(): GlobalPosition | undefined;
  subscribe(notify: () => void): () => void;
}

/**
 * Read-your-writes: resolves true once the named projection's checkpoint is at or past `position`,
 * false after `timeoutMs`. Without a local runner (or while it stands by) it polls the checkpoint table,
 * which works from any process that can read the service's schema.
 */
export async function waitForCheckpoint(
  pool: pg.Pool,
  schema: string,
  name: string,
  position: GlobalPosition,
  timeoutMs: number,
  local?: LocalProgress,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let wakeUp: (() => void) | undefined;
  const unsubscribe = local?.subscribe(() => wakeUp?.());
  try {
    for (;;) {
      const inProcess = local?.local();
      const current = inProcess ?? (await loadCheckpoint(pool, schema, name));
      if (current && comparePositions(current, position) >= 0) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      // In-process progress arrives as a notification; the table is polled. Re-check now and then either
      // way, as the local runner may lose or win the lock meanwhile.
      const pause = Math.min(remaining, inProcess ? 250 : 50);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, pause);
        wakeUp = done;
      });
    }
  } finally {
    unsubscribe?.();
  }
}
