/**
 * A read-model column that holds each row as the JSON a list shows, kept by a trigger whenever the row
 * is written: lists then join stored values instead of building JSON for every row of every request
 * (which was most of what a list cost the server), and the projection's statements need not know.
 */

/**
 * DDL (for a projection's table DDL, after its CREATE TABLE) of the trigger that sets `column` to
 * `json`, an expression over `NEW.<column>`s. Idempotent; the function lives in the table's schema,
 * named after the table's logical name, and the trigger after its physical one (a rebuild's swap
 * renames it back, as it does indexes).
 */
export function storedJsonTrigger(
  qualifiedTable: string,
  physicalName: string,
  logicalName: string,
  column: string,
  json: string,
): string {
  const schema = qualifiedTable.slice(0, qualifiedTable.indexOf('.'));
  const fn = `${schema}.${logicalName}_${column}_json`;
  return `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN NEW.${column} := ${json}; RETURN NEW; END $fn$;
    CREATE OR REPLACE TRIGGER ${physicalName}_${column} BEFORE INSERT OR UPDATE ON ${qualifiedTable}
      FOR EACH ROW EXECUTE FUNCTION ${fn}()`;
}
