/**
 * Tables of the in-process bus's events log in PostgreSQL (schema `bus` on the platform):
 *
 *   messages   the log: one row per stored message, seq without gaps, the oldest deleted by the cap
 *              once their msgId is out of the duplicate window.
 *   consumers  one row per durable: its config, its cursor, and what was delivered but not yet
 *              settled (with delivery counts), so a restart redelivers exactly that.
 */
import { quoteIdentifier } from '../../../eventstore/postgres/schema.js';

export function busLogDdl(schema: string): string[] {
  const s = quoteIdentifier(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.messages (
      seq bigint PRIMARY KEY,
      subject text NOT NULL,
      data bytea NOT NULL,
      headers jsonb NOT NULL,
      msg_id text NOT NULL,
      stored_at timestamptz NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}.consumers (
      name text PRIMARY KEY,
      filter_subjects jsonb NOT NULL,
      ack_wait_ms integer NOT NULL,
      max_deliver integer NOT NULL,
      next_seq bigint NOT NULL,
      pending jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  ];
}

export interface MessageRow {
  readonly seq: string;
  readonly subject: string;
  readonly data: Buffer;
  readonly headers: Record<string, string>;
  readonly msg_id: string;
  readonly stored_at: Date;
}

export interface ConsumerRow {
  readonly name: string;
  readonly filter_subjects: string[];
  readonly ack_wait_ms: number;
  readonly max_deliver: number;
  readonly next_seq: string;
  readonly pending: Array<{ seq: number; deliveries: number }>;
}

/** The statements, built once per schema. */
export function busLogSql(schema: string) {
  const s = quoteIdentifier(schema);
  const messageColumns = 'seq, subject, data, headers, msg_id, stored_at';
  return {
    /** $1 seqs, $2 subjects, $3 data, $4 headers (JSON text), $5 msgIds, $6 stored at: one statement per batch. */
    insertMessages: `INSERT INTO ${s}.messages (${messageColumns})
      SELECT seq, subject, data, headers::jsonb, msg_id, $6::timestamptz
      FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::text[]) AS m(seq, subject, data, headers, msg_id)`,
    /** Messages after $1, in order: the retained tail at start, or what a failed batch stored after all. */
    messagesAfter: `SELECT ${messageColumns} FROM ${s}.messages WHERE seq > $1 ORDER BY seq`,
    /** msgIds of messages up to $1 (beyond the cap) stored after $2 (inside the window). */
    idsWithin: `SELECT seq, msg_id, stored_at FROM ${s}.messages WHERE seq <= $1 AND stored_at > $2 ORDER BY seq`,
    lastSeq: `SELECT coalesce((SELECT max(seq) FROM ${s}.messages), 0) AS messages,
      coalesce((SELECT max(next_seq) - 1 FROM ${s}.consumers), 0) AS consumers`,
    deleteThrough: `DELETE FROM ${s}.messages WHERE seq <= $1`,
    consumers: `SELECT name, filter_subjects, ack_wait_ms, max_deliver, next_seq, pending FROM ${s}.consumers`,
    /** $1: a JSON array of durable snapshots, written in one statement. */
    saveConsumers: `INSERT INTO ${s}.consumers AS c (name, filter_subjects, ack_wait_ms, max_deliver, next_seq, pending)
      SELECT name, filter_subjects, ack_wait_ms, max_deliver, next_seq, pending
      FROM jsonb_to_recordset($1::jsonb)
        AS r(name text, filter_subjects jsonb, ack_wait_ms integer, max_deliver integer, next_seq bigint, pending jsonb)
      ON CONFLICT (name) DO UPDATE SET filter_subjects = excluded.filter_subjects,
        ack_wait_ms = excluded.ack_wait_ms, max_deliver = excluded.max_deliver,
        next_seq = excluded.next_seq, pending = excluded.pending, updated_at = now()`,
  };
}

export type BusLogSql = ReturnType<typeof busLogSql>;
