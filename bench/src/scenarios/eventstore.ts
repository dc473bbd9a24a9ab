/**
 * Event store throughput: our PostgreSQL adapter against Emmett's (`@event-driven-io/emmett-postgresql`),
 * each in a fresh database on the same server, with the same pool size and the same workload.
 *
 *   append:      16 concurrent writers, one event per append, for BENCH_SECONDS (default 10) seconds; each
 *                writer cycles over its own 100 streams with optimistic concurrency (expected version).
 *   global read: everything just written, in pages of 1,000, through each store's global-log read
 *                (ours: `readAll`; Emmett: `readMessagesBatch`, what its consumers poll with).
 */

import type { GlobalPosition, StreamVersion } from '@cairn/shared/eventstore';
import { PostgresEventStore } from '@cairn/shared/eventstore/postgres';
import { dumbo } from '@event-driven-io/dumbo';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import type { Metric, Scenario, ScenarioContext } from '../scenario.js';
import { type BenchServer, openBenchServer } from '../support/database.js';
import { percentile, seconds } from '../support/stats.js';

const WRITERS = 16;
const STREAMS_PER_WRITER = 100;
const POOL_SIZE = 20;
const PAGE = 1_000;
const WARM_UP_MS = 1_000;
const durationMs = () => Number(process.env.BENCH_SECONDS ?? 10) * 1000;

/** What the scenario needs from a store; one adapter per library below. */
interface StoreUnderTest {
  /** Appends one event to `stream`, which the caller has appended to `appended` times before. */
  append(stream: string, appended: number, data: Record<string, unknown>): Promise<void>;
  /** Reads the whole global log in pages; resolves with the number of events read. */
  readEverything(): Promise<number>;
  close(): Promise<void>;
}

function benchPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  // Dropping the database WITH (FORCE) right after `end()` can still reach a closing connection.
  pool.on('error', () => undefined);
  return pool;
}

async function ourStore(url: string): Promise<StoreUnderTest> {
  const pool = benchPool(url);
  const store = new PostgresEventStore(pool, 'bench');
  await store.init();
  const versions = new Map<string, StreamVersion>();
  return {
    async append(stream, _appended, data) {
      const result = await store.appendToStream(stream, [{ type: 'ItemAdded', data }], {
        expectedVersion: versions.get(stream) ?? 'no_stream',
      });
      versions.set(stream, result.nextExpectedVersion);
    },
    async readEverything() {
      let count = 0;
      let after: GlobalPosition | undefined;
      for (;;) {
        const page = await store.readAll({ limit: PAGE, ...(after ? { after } : {}) });
        count += page.events.length;
        if (page.events.length < PAGE || !page.lastPosition) return count;
        after = page.lastPosition;
      }
    },
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

async function emmettStore(url: string): Promise<StoreUnderTest> {
  const pgPool = benchPool(url);
  const pool = dumbo({ connectionString: url, pool: pgPool });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { dumbo: pool } });
  await store.schema.migrate();
  const versions = new Map<string, bigint>();
  return {
    async append(stream, _appended, data) {
      const result = await store.appendToStream(stream, [{ type: 'ItemAdded', data }], {
        expectedStreamVersion: versions.get(stream) ?? STREAM_DOES_NOT_EXIST,
      });
      versions.set(stream, result.nextExpectedStreamVersion);
    },
    async readEverything() {
      let count = 0;
      let after = 0n;
      for (;;) {
        const page = await readMessagesBatch(pool.execute, { after, batchSize: PAGE });
        count += page.messages.length;
        if (!page.areMessagesLeft) return count;
        after = page.currentGlobalPosition;
      }
    },
    async close() {
      await store.close();
      await pool.close();
      // Handed in, so not ours to end for Emmett.
      await pgPool.end();
    },
  };
}

interface Measured {
  readonly appendsPerSecond: number;
  readonly appendP99Ms: number;
  /** CPU time of this process (driver and store code) per 1,000 appends: steadier than a rate on a busy machine. */
  readonly appendCpuMsPer1k: number;
  readonly readPerSecond: number;
  readonly events: number;
  readonly errors: number;
}

async function measure(store: StoreUnderTest, log: ScenarioContext['log'], label: string): Promise<Measured> {
  const appendedPerStream = new Map<string, number>();
  const latencies: number[] = [];
  let errors = 0;

  const writeUntil = async (writer: number, until: number, record: boolean) => {
    for (let seq = 0; Date.now() < until; seq++) {
      const stream = `cart-w${writer}s${seq % STREAMS_PER_WRITER}`;
      const appended = appendedPerStream.get(stream) ?? 0;
      const started = performance.now();
      try {
        await store.append(stream, appended, { writer, seq, sku: 'SKU-0042', quantity: 1, price: 1999 });
        appendedPerStream.set(stream, appended + 1);
        if (record) latencies.push(performance.now() - started);
      } catch (error) {
        errors++;
        if (errors === 1) log(`${label}: first append error: ${(error as Error).message}`);
      }
    }
  };

  log(`${label}: warming up for ${WARM_UP_MS / 1000} s`);
  const warmUntil = Date.now() + WARM_UP_MS;
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writeUntil(w, warmUntil, false)));

  log(`${label}: ${WRITERS} writers for ${durationMs() / 1000} s`);
  const started = Date.now();
  const until = started + durationMs();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writeUntil(w, until, true)));
  const appendsPerSecond = latencies.length / seconds(started, Date.now());
  const cpu = process.cpuUsage(cpuBefore);
  const appendCpuMsPer1k = (cpu.user + cpu.system) / latencies.length;

  log(`${label}: reading the global log`);
  const readStarted = performance.now();
  const events = await store.readEverything();
  const readPerSecond = events / ((performance.now() - readStarted) / 1000);
  return {
    appendsPerSecond,
    appendP99Ms: percentile(latencies, 99),
    appendCpuMsPer1k,
    readPerSecond,
    events,
    errors,
  };
}

async function run(context: ScenarioContext): Promise<Metric[]> {
  const server: BenchServer = await openBenchServer();
  context.log(`PostgreSQL: ${server.description}`);
  try {
    const results: Record<'ours' | 'emmett', Measured> = {} as never;
    for (const [key, open] of [
      ['ours', ourStore],
      ['emmett', emmettStore],
    ] as const) {
      const database = await server.createDatabase(`es_${key}`);
      try {
        const store = await open(database.url);
        try {
          results[key] = await measure(store, context.log, key);
        } finally {
          await store.close();
        }
      } finally {
        await database.drop();
      }
    }
    const { ours, emmett } = results;
    const lead = (a: number, b: number) => `${formatRatio(a / b)} Emmett's`;
    return [
      {
        name: 'append (ours)',
        value: ours.appendsPerSecond,
        unit: 'events/s',
        target: { op: '>=', value: 5_000 },
        note: `${WRITERS} writers, 1 event per append; ${lead(ours.appendsPerSecond, emmett.appendsPerSecond)}`,
      },
      { name: 'append (emmett)', value: emmett.appendsPerSecond, unit: 'events/s' },
      { name: 'append p99 (ours)', value: ours.appendP99Ms, unit: 'ms' },
      { name: 'append p99 (emmett)', value: emmett.appendP99Ms, unit: 'ms' },
      {
        name: 'append CPU (ours)',
        value: ours.appendCpuMsPer1k,
        unit: 'ms/1k',
        note: 'this process only (driver and store), not the server: steadier than a rate on a shared machine',
      },
      { name: 'append CPU (emmett)', value: emmett.appendCpuMsPer1k, unit: 'ms/1k' },
      {
        name: 'global read (ours)',
        value: ours.readPerSecond,
        unit: 'events/s',
        target: { op: '>=', value: 50_000 },
        note: `${ours.events.toLocaleString('en-US')} events via readAll; ${lead(ours.readPerSecond, emmett.readPerSecond)}`,
      },
      {
        name: 'global read (emmett)',
        value: emmett.readPerSecond,
        unit: 'events/s',
        note: `${emmett.events.toLocaleString('en-US')} events via readMessagesBatch (what its consumers poll with)`,
      },
      { name: 'append errors (ours)', value: ours.errors, unit: 'errors', target: { op: '<=', value: 0 } },
      { name: 'append errors (emmett)', value: emmett.errors, unit: 'errors' },
    ];
  } finally {
    await server.stop();
  }
}

const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}×`;

export const eventstoreScenario: Scenario = {
  name: 'eventstore',
  description: 'append and global-read throughput: our PostgreSQL event store vs Emmett, same server',
  run,
};
