/**
 * The in-process bus with its events log kept in PostgreSQL, as embedded mode runs it: JetStream keeps
 * CAIRN_EVENTS on disk, and the in-process stand-in must not lose more than it would. A durable publish
 * resolves once stored; durables' state is saved (batched) and restored; a restart on the same database
 * continues the same log. RPC and ephemeral notifications stay in memory: they are not durable on NATS
 * either.
 *
 * Async because the tables are created and the log is read before the bus is handed out. One process
 * per log: a second one fails with `BusLogInUseError` (see postgres/lease.ts).
 */
import type pg from 'pg';
import { createLogger } from '../../logging/index.js';
import { withTransaction } from '../../postgres/index.js';
import type { Bus } from '../port.js';
import { assembleMemoryBus, type LogStorage, type MemoryBusOptions, memoryLogOptions } from './bus.js';
import { MemoryDurables } from './durables.js';
import { MemoryLog } from './log.js';
import { DurableStateWriter } from './postgres/durable-state.js';
import { BusLogLease } from './postgres/lease.js';
import { loadBusLog } from './postgres/load.js';
import { MessageWriter } from './postgres/message-writer.js';
import { busLogDdl, busLogSql } from './postgres/schema.js';

export interface PersistentMemoryBusOptions extends MemoryBusOptions {
  readonly pool: pg.Pool;
  /** Schema of the log's tables (`messages`, `consumers`), e.g. `bus`. */
  readonly schema: string;
  /**
   * How long durables' acks may wait to be saved together. Default 100 ms. A crash loses at most that
   * much, which comes back as redeliveries; a clean close saves everything.
   */
  readonly consumerStateFlushMs?: number;
}

export async function createPersistentMemoryBus(options: PersistentMemoryBusOptions): Promise<Bus> {
  const { pool, schema } = options;
  const logger = options.logger ?? createLogger({ name: 'bus' });
  const sql = busLogSql(schema);
  // Replicas would race on CREATE … IF NOT EXISTS; and a second process must get the clear error below.
  await withTransaction(
    pool,
    async (client) => {
      for (const statement of busLogDdl(schema)) await client.query(statement);
    },
    { advisoryLock: `cairn.bus.init.${schema}` },
  );
  const lease = await BusLogLease.acquire(pool, schema);
  try {
    const log = new MemoryLog(memoryLogOptions(options));
    const states = new DurableStateWriter(lease, sql, logger, options.consumerStateFlushMs ?? 100);
    const durables = new MemoryDurables(log, logger, states.changed);
    const loaded = await loadBusLog(await lease.client(), sql, log, durables);
    const writer = new MessageWriter({ lease, sql, log, logger });
    // What the cap let through before the restart (or a smaller cap now) goes at once.
    await writer.prune(true);
    logger.debug({ schema, ...loaded, lastSeq: log.lastSeq }, 'events log loaded from PostgreSQL');

    const storage: LogStorage = {
      publish: (subject, data, headers, msgId) => writer.publish(subject, data, headers, msgId),
      async durableCreated(durable) {
        states.changed(durable);
        await states.flush();
      },
      async close() {
        await writer.drain();
        await states.close();
        await lease.release();
      },
    };
    return assembleMemoryBus(log, durables, logger, storage);
  } catch (error) {
    await lease.release();
    throw error;
  }
}
