import type pg from 'pg';
import type { GlobalPosition } from '../eventstore/port.js';
import { saveCheckpoint } from './checkpoints.js';
import type { Page } from './follower.js';
import type { Projection } from './port.js';
import type { TableSet } from './tables.js';

/**
 * One page of a projection: the read model changes and the checkpoint commit together or not at all,
 * so a crash in between can neither lose an event nor apply it twice.
 */
export async function projectPage(
  schema: string,
  projection: Projection,
  tables: TableSet,
  page: Page,
  client: pg.PoolClient,
  previous: GlobalPosition,
): Promise<void> {
  await client.query('BEGIN');
  try {
    if (page.events.length > 0) {
      await projection.handle(page.events, { client, table: tables.table, rebuilding: false });
    }
    await saveCheckpoint(client, schema, projection.name, previous, page.lastPosition);
    await client.query('COMMIT');
  } catch (error) {
    // If the connection died the server rolled back already; the follower discards the connection.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
