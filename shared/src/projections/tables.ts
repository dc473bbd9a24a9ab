/**
 * A projection's tables by their logical names. The live build uses the plain names; a rebuild uses the
 * same names with a suffix, side by side, and swaps them in when done (rebuild.ts).
 */
import type pg from 'pg';
import { quoteIdentifier } from '../eventstore/postgres/schema.js';
import type { Projection } from './port.js';

export const REBUILD_SUFFIX = '__rebuild';
/** Leaves room for the suffix and for index names derived from the table name within 63 bytes. */
const MAX_TABLE_NAME = 40;

export interface TableSet {
  /** Physical (unquoted) table name by logical name. */
  readonly physical: ReadonlyMap<string, string>;
  /** Qualified, quoted name by logical name; throws for a table the projection did not declare. */
  table(name: string): string;
}

export function tableSet(schema: string, projection: Projection, suffix = ''): TableSet {
  const physical = new Map<string, string>();
  for (const name of Object.keys(projection.tables)) {
    if (name.length > MAX_TABLE_NAME || name.endsWith(REBUILD_SUFFIX)) {
      throw new Error(`projection ${projection.name}: table name ${name} is too long or ends with ${REBUILD_SUFFIX}`);
    }
    quoteIdentifier(name);
    physical.set(name, `${name}${suffix}`);
  }
  const s = quoteIdentifier(schema);
  return {
    physical,
    table(name) {
      const table = physical.get(name);
      if (!table) throw new Error(`projection ${projection.name} has no table ${JSON.stringify(name)}`);
      return `${s}.${quoteIdentifier(table)}`;
    },
  };
}

/** Runs the projection's DDL for every table of the set (statements are idempotent by contract). */
export async function createTables(client: pg.ClientBase, projection: Projection, tables: TableSet): Promise<void> {
  for (const [name, ddl] of Object.entries(projection.tables)) {
    await client.query(ddl(tables.table(name), tables.physical.get(name)!));
  }
}
