/**
 * The PostgreSQL adapter of the EventStore port (DESIGN.md decision 2). One instance per service schema;
 * several instances may share a pool.
 */
import pg from 'pg';
import { withTransaction } from '../../postgres/transaction.js';
import {
  type AppendOptions,
  type AppendResult,
  type DomainEvent,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadStreamResult,
  type RecordedEvent,
  type StreamVersion,
  VersionConflictError,
} from '../port.js';
import { AppendBatcher, type BatchItem } from './append-batcher.js';
import { type AppendColumns, type EventRow, rowPosition, toAppendColumns, toRecordedEvent } from './rows.js';
import { eventStoreDdl } from './schema.js';
import { limitIdleTransactions } from './session.js';
import { appendMode, type EventStoreSql, eventStoreSql, prefixPattern } from './sql.js';

export interface PostgresEventStoreOptions {
  /**
   * `idle_in_transaction_session_timeout` for every new connection of the pool (see session.ts).
   * Default 60 s; 0 leaves it unset. Construct the store before the pool hands out connections.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /** With filters, how many log rows one `readAll` scans at most (default: max(limit, 1000)). */
  readonly filteredScanLimit?: number;
  /**
   * How many append batches may be in flight at once, each on its own connection (default 2). Appends
   * arriving while all are busy wait and go together in the next batch (see append-batcher.ts).
   */
  readonly appendBatchesInFlight?: number;
  /** At most this many events in one append batch (default 256); a larger append goes alone. */
  readonly eventsPerAppendBatch?: number;
  /** End the pool on `close()` (when the store created it). Default false: the pool's owner ends it. */
  readonly ownsPool?: boolean;
}

/** One append waiting for its batch. */
interface QueuedAppend extends BatchItem {
  readonly expected: ExpectedVersion;
  readonly columns: AppendColumns;
}

/** What the batch statement returns for an append that won. */
interface AppendRow {
  readonly append: number;
  readonly version: string;
  readonly last_position: string;
  readonly transaction_id: string;
}

export class PostgresEventStore implements EventStore {
  private readonly sql: EventStoreSql;
  private readonly listeners = new Set<(streamName: string, eventTypes: readonly string[]) => void>();
  private readonly batcher: AppendBatcher<QueuedAppend, AppendRow | undefined>;

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.sql = eventStoreSql(schema);
    this.batcher = new AppendBatcher((appends) => this.sendBatch(appends), {
      batchesInFlight: options.appendBatchesInFlight ?? 2,
      eventsPerBatch: options.eventsPerAppendBatch ?? 256,
    });
    limitIdleTransactions(pool, options.idleInTransactionTimeoutMs ?? 60_000);
  }

  /** A store with its own pool, ended by `close()`. */
  static connect(
    connectionString: string,
    schema: string,
    options: PostgresEventStoreOptions & { readonly poolSize?: number } = {},
  ): PostgresEventStore {
    const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 20 });
    return new PostgresEventStore(pool, schema, { ...options, ownsPool: true });
  }

  async init(): Promise<void> {
    // Replicas starting together would race on CREATE … IF NOT EXISTS (it is not atomic in the catalog).
    await withTransaction(
      this.pool,
      async (client) => {
        for (const statement of eventStoreDdl(this.schema)) await client.query(statement);
      },
      { advisoryLock: `cairn.eventstore.init.${this.schema}` },
    );
  }

  async readStream<E extends DomainEvent = DomainEvent>(streamName: string): Promise<ReadStreamResult<E>> {
    const { rows } = await this.pool.query<EventRow>({ ...this.sql.readStream, values: [streamName] });
    const events = rows.map(toRecordedEvent) as RecordedEvent<E>[];
    const last = events.at(-1);
    return { exists: last !== undefined, version: last?.streamVersion, events };
  }

  async appendToStream<E extends DomainEvent = DomainEvent>(
    streamName: string,
    events: readonly NewEvent<E>[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`appendToStream(${streamName}) needs at least one event`);
    const expected = options.expectedVersion;
    // Ids and time are fixed here, when the append is accepted, not when its batch goes out.
    const columns = toAppendColumns(events, new Date());
    const mode = appendMode(expected);
    // Readers order the log by transaction id, so a stream's later version must come from a later
    // transaction. A batch takes its transaction id at its first write, maybe before another transaction
    // (that started later) changes one of the batch's streams. An `exact` or `no_stream` append then
    // loses: it only wins on a stream state its caller saw committed, hence older than the batch. `any`
    // and `stream_exists` would append after the younger transaction, so they go alone, in a statement
    // whose first write is their own stream row (as before batching).
    const alone = mode === 'any' || mode === 'stream_exists';
    const row = await this.batcher.submit({ streamName, size: events.length, alone, expected, columns });
    // No row: the compare-and-set found the stream elsewhere (or missing); nothing was written.
    if (!row) throw new VersionConflictError(streamName, expected, await this.currentVersion(streamName));

    this.notifyAppended(
      streamName,
      events.map((event) => event.type),
    );
    return {
      nextExpectedVersion: BigInt(row.version) as StreamVersion,
      position: rowPosition({ transaction_id: row.transaction_id, global_position: row.last_position }),
    };
  }

  async readAll(options: ReadAllOptions): Promise<ReadAllResult> {
    const limit = options.limit;
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`readAll limit must be a positive integer: ${limit}`);
    const after = options.after ?? { commit: 0n, prepare: 0n };
    const prefixes = options.streamPrefixes ?? [];
    const types = options.eventTypes ?? [];
    const filtered = prefixes.length > 0 || types.length > 0;

    const from = [String(after.commit), String(after.prepare)];
    const { rows } = filtered
      ? await this.pool.query<EventRow>({
          ...this.sql.readAllFiltered,
          values: [
            ...from,
            Math.max(limit, this.options.filteredScanLimit ?? 1000),
            prefixes.map(prefixPattern),
            types,
          ],
        })
      : await this.pool.query<EventRow>({ ...this.sql.readAll, values: [...from, limit] });

    const events: RecordedEvent[] = [];
    let lastRow: EventRow | undefined;
    for (const row of rows) {
      lastRow = row;
      if (!row.matched) continue;
      events.push(toRecordedEvent(row));
      // Stop at the limit: the position reported must not pass events left unreturned.
      if (events.length === limit) break;
    }
    return { events, lastPosition: lastRow ? rowPosition(lastRow) : undefined };
  }

  onAppended(listener: (streamName: string, eventTypes: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.options.ownsPool) await this.pool.end();
  }

  /** Sends a batch of appends; each gets its row, or undefined when it lost its compare-and-set. */
  private async sendBatch(appends: readonly QueuedAppend[]): Promise<PromiseSettledResult<AppendRow | undefined>[]> {
    try {
      return (await this.appendBatch(appends)).map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      if (appends.length === 1 || (error as { severity?: string }).severity !== 'ERROR') throw error;
      // PostgreSQL refused the statement, so none of it committed. Each append goes again alone, so an
      // append PostgreSQL rejects (say, a string jsonb cannot hold) fails only its own caller, and a
      // deadlock with another process's batch on the same streams resolves itself.
      return Promise.allSettled(appends.map(async (append) => (await this.appendBatch([append]))[0]));
    }
  }

  private async appendBatch(appends: readonly QueuedAppend[]): Promise<(AppendRow | undefined)[]> {
    const streams: string[] = [];
    const modes: string[] = [];
    const expected: (string | null)[] = [];
    const counts: number[] = [];
    const lastEvents: number[] = [];
    const events = { appends: [] as number[], types: [] as string[], schemaVersions: [] as number[] };
    const data: string[] = [];
    const metadata: string[] = [];
    appends.forEach((append, i) => {
      streams.push(append.streamName);
      modes.push(appendMode(append.expected));
      expected.push(typeof append.expected === 'bigint' ? String(append.expected) : null);
      counts.push(append.size);
      const { columns } = append;
      for (let e = 0; e < append.size; e++) events.appends.push(i + 1);
      events.types.push(...columns.types);
      events.schemaVersions.push(...columns.schemaVersions);
      data.push(...columns.data);
      metadata.push(...columns.metadata);
      lastEvents.push(events.types.length);
    });
    const { rows } = await this.pool.query<AppendRow>({
      ...this.sql.appendBatch,
      values: [
        streams,
        modes,
        expected,
        counts,
        lastEvents,
        events.appends,
        events.types,
        events.schemaVersions,
        data,
        metadata,
      ],
    });
    const byAppend = new Map(rows.map((row) => [row.append, row]));
    return appends.map((_, i) => byAppend.get(i + 1));
  }

  private async currentVersion(streamName: string): Promise<StreamVersion | undefined> {
    const { rows } = await this.pool.query<{ version: string }>({ ...this.sql.streamVersion, values: [streamName] });
    return rows[0] ? (BigInt(rows[0].version) as StreamVersion) : undefined;
  }

  private notifyAppended(streamName: string, eventTypes: readonly string[]): void {
    for (const listener of this.listeners) {
      try {
        listener(streamName, eventTypes);
      } catch {
        // A listener is only a wake-up hint; its failure must not turn a committed append into an error.
      }
    }
  }
}
