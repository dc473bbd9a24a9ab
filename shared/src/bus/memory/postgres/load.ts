/**
 * Start-up of the persistent in-process bus: the log and its durables as the last run left them.
 *
 *   - the newest `maxMessages` messages, in order (the table may hold older ones the cap has not yet
 *     deleted: they stay out of the log, as they would have without the restart);
 *   - the msgIds of older messages still inside the duplicate window, so a repeat stays a duplicate;
 *   - the last sequence ever used, so numbers are never reused;
 *   - every durable with its config, cursor and pending deliveries.
 */
import type pg from 'pg';
import type { MemoryDurables } from '../durables.js';
import type { MemoryLog } from '../log.js';
import { messageFromRow } from './message-writer.js';
import type { BusLogSql, ConsumerRow, MessageRow } from './schema.js';

export interface LoadedLog {
  readonly messages: number;
  readonly durables: number;
}

export async function loadBusLog(
  client: pg.ClientBase,
  sql: BusLogSql,
  log: MemoryLog,
  durables: MemoryDurables,
): Promise<LoadedLog> {
  const now = Date.now();
  const { maxMessages, duplicateWindowMs } = log.options;
  const last = await client.query<{ messages: string; consumers: string }>(sql.lastSeq);
  const lastStored = Number(last.rows[0]?.messages ?? 0);
  const lastUsed = Math.max(lastStored, Number(last.rows[0]?.consumers ?? 0));
  const tailAfter = Math.max(0, lastStored - maxMessages);

  const ids = await client.query<{ seq: string; msg_id: string; stored_at: Date }>(sql.idsWithin, [
    tailAfter,
    new Date(now - duplicateWindowMs),
  ]);
  for (const row of ids.rows) log.rememberId(row.msg_id, Number(row.seq), row.stored_at.getTime());

  const tail = await client.query<MessageRow>(sql.messagesAfter, [tailAfter]);
  const first = tail.rows[0];
  log.continueAfter(first ? Number(first.seq) - 1 : lastUsed);
  for (const row of tail.rows) log.add(messageFromRow(row), row.msg_id, row.stored_at.getTime());

  const consumers = await client.query<ConsumerRow>(sql.consumers);
  for (const row of consumers.rows) {
    durables.restore(
      row.name,
      { filterSubjects: row.filter_subjects, ackWaitMs: row.ack_wait_ms, maxDeliver: row.max_deliver },
      { nextSeq: Number(row.next_seq), pending: row.pending },
    );
  }
  return { messages: tail.rows.length, durables: consumers.rows.length };
}
