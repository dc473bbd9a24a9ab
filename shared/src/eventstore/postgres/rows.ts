/**
 * Between JavaScript values and rows. `bigint`, `xid8` and counters travel as text (the SQL casts them)
 * and become `bigint` here: node-postgres would hand back strings anyway, and numbers lose precision.
 */
import { newId } from '../../ids/index.js';
import type { EventMetadata, GlobalPosition, NewEvent, RecordedEvent, StreamVersion } from '../port.js';

export interface EventRow {
  readonly global_position: string;
  readonly transaction_id: string;
  readonly stream_name: string;
  readonly stream_version: string;
  readonly type: string;
  readonly schema_version: number;
  readonly data: unknown;
  readonly metadata: EventMetadata | null;
  readonly matched: boolean;
}

export const rowPosition = (row: Pick<EventRow, 'transaction_id' | 'global_position'>): GlobalPosition => ({
  commit: BigInt(row.transaction_id),
  prepare: BigInt(row.global_position),
});

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    type: row.type,
    data: row.data,
    schemaVersion: row.schema_version,
    streamName: row.stream_name,
    streamVersion: BigInt(row.stream_version) as StreamVersion,
    position: rowPosition(row),
    metadata: row.metadata as EventMetadata,
  };
}

/** The column arrays of one multi-row append (`unnest` turns them back into rows). */
export interface AppendColumns {
  readonly types: string[];
  readonly schemaVersions: number[];
  readonly data: string[];
  readonly metadata: string[];
}

/** Fills what the caller left out: a UUIDv7 event id and the time of the append. */
export function toAppendColumns(events: readonly NewEvent[], now: Date): AppendColumns {
  const occurredAt = now.toISOString();
  const columns: AppendColumns = { types: [], schemaVersions: [], data: [], metadata: [] };
  for (const event of events) {
    const metadata: EventMetadata = {
      ...event.metadata,
      eventId: event.metadata?.eventId ?? newId(),
      occurredAt: event.metadata?.occurredAt ?? occurredAt,
    };
    columns.types.push(event.type);
    columns.schemaVersions.push(event.schemaVersion ?? 1);
    // `undefined` data is stored as JSON null, which is what a JSON round trip would make of it.
    columns.data.push(JSON.stringify(event.data ?? null));
    columns.metadata.push(JSON.stringify(metadata));
  }
  return columns;
}
