/**
 * The SQL of the PostgreSQL event store, built once per schema and run as named (prepared) statements:
 * appends are the hot path and planning them again on every call costs more than executing them.
 */
import type { ExpectedVersion } from '../port.js';
import { quoteIdentifier } from './schema.js';

export interface Statement {
  readonly name: string;
  readonly text: string;
}

export type AppendMode = 'exact' | 'stream_exists' | 'no_stream' | 'any';

export const appendMode = (expected: ExpectedVersion): AppendMode =>
  typeof expected === 'bigint' ? 'exact' : expected;

export interface EventStoreSql {
  /**
   * Several appends to distinct streams, each with its own compare-and-set (see append-batcher.ts).
   * Params, one entry per append: streams[], modes[], expected versions[] (null unless `exact`),
   * event counts[], ordinal of its last event in the batch[]; then one entry per event, the appends'
   * events in order: append ordinal (1-based)[], types[], schema versions[], data[], metadata[].
   * Returns one row per append that won.
   */
  readonly appendBatch: Statement;
  /** Params: stream. */
  readonly streamVersion: Statement;
  /** Params: stream. */
  readonly readStream: Statement;
  /** Params: after commit, after prepare, limit. */
  readonly readAll: Statement;
  /** Params: after commit, after prepare, scan limit, stream LIKE patterns[], event types[]. */
  readonly readAllFiltered: Statement;
}

/**
 * Positions and versions leave as text (exact, unlike JavaScript numbers). The aliases shadow the column
 * names, so every ORDER BY below names the table (`e.`) to sort by the numbers, not by their text.
 */
const EVENT_COLUMNS = `e.global_position::text AS global_position, e.transaction_id::text AS transaction_id,
  e.stream_name, e.stream_version::text AS stream_version, e.type, e.schema_version`;
const LOG_ORDER = 'ORDER BY e.transaction_id, e.global_position';

/**
 * Only rows of transactions that finished before the oldest running one: every transaction that could
 * still add a row earlier in (transaction_id, global_position) order is done, so a reader that
 * checkpoints on that pair never skips a late commit and never reads a row twice.
 */
const GLOBAL_LOG_WINDOW = `(e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
  AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

export function eventStoreSql(schema: string): EventStoreSql {
  const s = quoteIdentifier(schema);
  const name = (what: string): string => `cairn_es_${schema}_${what}`;

  // The stream row is the compare-and-set point of each append; the events of an append are only
  // inserted when its stream change yielded a row. A lost compare-and-set writes nothing and does not
  // abort the statement (`ON CONFLICT DO NOTHING`, a `WHERE` that matches no row), so the other appends
  // of the batch still commit; the caller finds the loser by its missing result row.
  // One statement is one round trip and one implicit transaction, so every event of a batch shares the
  // transaction id; their global positions follow the batch order, which keeps (transaction_id,
  // global_position) a total order in which each append's events are contiguous.
  // Inserts take their stream rows in name order, so two batches from different processes that
  // touch the same streams are less likely to deadlock (a deadlock is handled by the store anyway).
  const appendBatch: Statement = {
    name: name('append_batch'),
    text: `WITH request AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) WITH ORDINALITY
          AS r(stream_name, mode, expected, count, last_event, append)
      ),
      created AS (
        INSERT INTO ${s}.streams (stream_name, version)
        SELECT stream_name, count FROM request WHERE mode = 'no_stream' ORDER BY stream_name
        ON CONFLICT (stream_name) DO NOTHING
        RETURNING stream_name, version
      ),
      upserted AS (
        INSERT INTO ${s}.streams AS current (stream_name, version)
        SELECT stream_name, count FROM request WHERE mode = 'any' ORDER BY stream_name
        ON CONFLICT (stream_name) DO UPDATE SET version = current.version + EXCLUDED.version, updated_at = now()
        RETURNING stream_name, version
      ),
      bumped AS (
        UPDATE ${s}.streams AS current SET version = current.version + r.count, updated_at = now()
        FROM request AS r
        WHERE current.stream_name = r.stream_name
          AND (r.mode = 'stream_exists' OR (r.mode = 'exact' AND current.version = r.expected))
        RETURNING current.stream_name, current.version
      ),
      won AS (
        SELECT r.append, r.stream_name, r.last_event, changed.version
        FROM request AS r
        JOIN (TABLE created UNION ALL TABLE upserted UNION ALL TABLE bumped) AS changed USING (stream_name)
      ),
      inserted AS (
        INSERT INTO ${s}.events (stream_name, stream_version, type, schema_version, data, metadata)
        SELECT won.stream_name, won.version - (won.last_event - e.ord), e.type, e.schema_version, e.data, e.metadata
        FROM unnest($6::bigint[], $7::text[], $8::int[], $9::jsonb[], $10::jsonb[]) WITH ORDINALITY
            AS e(append, type, schema_version, data, metadata, ord)
          JOIN won USING (append)
        ORDER BY e.ord
        RETURNING stream_name, global_position
      )
      SELECT won.append::int AS append, won.version::text AS version,
        max(inserted.global_position)::text AS last_position, pg_current_xact_id()::text AS transaction_id
      FROM won JOIN inserted USING (stream_name)
      GROUP BY won.append, won.version`,
  };

  return {
    appendBatch,
    streamVersion: {
      name: name('stream_version'),
      text: `SELECT version::text AS version FROM ${s}.streams WHERE stream_name = $1`,
    },
    readStream: {
      name: name('read_stream'),
      text: `SELECT ${EVENT_COLUMNS}, e.data, e.metadata FROM ${s}.events AS e
        WHERE e.stream_name = $1 ORDER BY e.stream_version`,
    },
    readAll: {
      name: name('read_all'),
      text: `SELECT ${EVENT_COLUMNS}, e.data, e.metadata, true AS matched FROM ${s}.events AS e
        WHERE ${GLOBAL_LOG_WINDOW}
        ${LOG_ORDER}
        LIMIT $3`,
    },
    // Scans a window of the log and flags the rows that pass the filters, so the reader can report how
    // far it scanned (a checkpoint that moves past filtered-out events) without shipping their payloads.
    readAllFiltered: {
      name: name('read_all_filtered'),
      text: `SELECT ${EVENT_COLUMNS},
          CASE WHEN e.matched THEN e.data END AS data, CASE WHEN e.matched THEN e.metadata END AS metadata, e.matched
        FROM (
          SELECT e.*, (cardinality($4::text[]) = 0 OR e.stream_name LIKE ANY ($4::text[]))
            AND (cardinality($5::text[]) = 0 OR e.type = ANY ($5::text[])) AS matched
          FROM ${s}.events AS e
          WHERE ${GLOBAL_LOG_WINDOW}
          ${LOG_ORDER}
          LIMIT $3
        ) AS e
        ${LOG_ORDER}`,
    },
  };
}

/** `user-` → `user-%` with LIKE's own wildcards escaped, so a prefix matches literally. */
export const prefixPattern = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
