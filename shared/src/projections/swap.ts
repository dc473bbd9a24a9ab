/**
 * The last act of a rebuild: inside the caller's transaction, drop each live table and rename its rebuilt
 * twin into place, then give the twin's indexes, sequences, constraints and triggers the live names back (they
 * were made with the `__rebuild` prefix so as not to collide while both existed).
 */
import type pg from 'pg';
import { quoteIdentifier } from '../eventstore/postgres/schema.js';
import type { TableSet } from './tables.js';

/** Quotes a name read from the catalog (it may not follow our own naming rules). */
const quoteCatalogName = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function swapTables(
  client: pg.ClientBase,
  schema: string,
  live: TableSet,
  rebuilt: TableSet,
): Promise<void> {
  const s = quoteIdentifier(schema);
  for (const [name, livePhysical] of live.physical) {
    const rebuiltPhysical = rebuilt.physical.get(name)!;
    await client.query(`DROP TABLE IF EXISTS ${s}.${quoteIdentifier(livePhysical)}`);
    await client.query(
      `ALTER TABLE ${s}.${quoteIdentifier(rebuiltPhysical)} RENAME TO ${quoteIdentifier(livePhysical)}`,
    );
    await renameDependents(client, s, livePhysical, rebuiltPhysical);
  }
}

async function renameDependents(client: pg.ClientBase, s: string, table: string, oldPrefix: string): Promise<void> {
  const qualified = `${s}.${quoteIdentifier(table)}`;
  // Index-backed constraints (primary key, unique, exclusion) follow their index's new name.
  const { rows } = await client.query<{ kind: 'index' | 'sequence' | 'constraint' | 'trigger'; name: string }>(
    `SELECT 'index' AS kind, c.relname::text AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass
     UNION ALL
     SELECT 'sequence', c.relname::text
       FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
       WHERE d.refobjid = $1::regclass AND d.classid = 'pg_class'::regclass AND c.relkind = 'S'
     UNION ALL
     SELECT 'constraint', conname::text
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype NOT IN ('p', 'u', 'x')
     UNION ALL
     SELECT 'trigger', tgname::text FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
    [qualified],
  );
  for (const { kind, name } of rows) {
    if (!name.startsWith(oldPrefix)) continue;
    const renamed = quoteCatalogName(`${table}${name.slice(oldPrefix.length)}`);
    if (kind === 'index') await client.query(`ALTER INDEX ${s}.${quoteCatalogName(name)} RENAME TO ${renamed}`);
    if (kind === 'sequence') await client.query(`ALTER SEQUENCE ${s}.${quoteCatalogName(name)} RENAME TO ${renamed}`);
    if (kind === 'trigger')
      await client.query(`ALTER TRIGGER ${quoteCatalogName(name)} ON ${qualified} RENAME TO ${renamed}`);
    if (kind === 'constraint') {
      await client.query(`ALTER TABLE ${qualified} RENAME CONSTRAINT ${quoteCatalogName(name)} TO ${renamed}`);
    }
  }
}
