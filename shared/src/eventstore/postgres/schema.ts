/**
 * Tables of the PostgreSQL event store, one set per service schema (decision 7: a service owns its schema).
 *
 * `streams` holds one row per stream: its version is the compare-and-set point of every append.
 * `events` is the log. `global_position` alone is not a safe reading order (a sequence value is taken
 * before commit, so a later value can become visible first); readers order by the writing
 * transaction's id and only read below the oldest running transaction (see sql.ts).
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates a lower-case SQL identifier and returns it quoted. Names never come from user input. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid lower-case SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export function eventStoreDdl(schema: string): string[] {
  const s = quoteIdentifier(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.streams (
      stream_name text PRIMARY KEY,
      version bigint NOT NULL CHECK (version > 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}.events (
      global_position bigserial PRIMARY KEY,
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_name text NOT NULL,
      stream_version bigint NOT NULL,
      type text NOT NULL,
      schema_version integer NOT NULL DEFAULT 1,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_stream_version_key UNIQUE (stream_name, stream_version)
    )`,
    // The global log's reading order and checkpoint key.
    `CREATE INDEX IF NOT EXISTS events_transaction_order ON ${s}.events (transaction_id, global_position)`,
  ];
}
