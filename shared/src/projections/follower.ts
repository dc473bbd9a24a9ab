/**
 * The loop shared by projections and the relay: hold the lock, read the global log after the checkpoint,
 * let a step process the page and save the checkpoint, repeat; sleep when caught up (woken early by an
 * append in this process); back off and retry the same page after a failure, never skipping it.
 */
import type pg from 'pg';
import type { EventStore, GlobalPosition, RecordedEvent } from '../eventstore/port.js';
import type { Logger } from '../logging/index.js';
import { CheckpointMovedError, ensureCheckpoint, loadCheckpoint } from './checkpoints.js';
import { type SharedLease, tryAcquireSharedLease } from './lock-session.js';
import { followerMetrics } from './metrics.js';
import { backoffMs, Waker } from './waker.js';

export interface Page {
  readonly events: readonly RecordedEvent[];
  readonly lastPosition: GlobalPosition;
}

/**
 * Processes a page and saves the checkpoint from `previous` to `page.lastPosition` (compare-and-set),
 * on `client`, a pooled connection checked out for this page.
 */
export type FollowerStep = (page: Page, client: pg.PoolClient, previous: GlobalPosition) => Promise<void>;

export interface FollowerTiming {
  /** Events per page. Default 500. */
  readonly batchSize?: number;
  /** Sleep when caught up (an append in this process cuts it short). Default 200 ms. */
  readonly pollIntervalMs?: number;
  /** How often a standby tries to take the lock. Default 1000 ms. */
  readonly lockRetryMs?: number;
  /** Backoff after a failed page: doubles from `initialMs` up to `maxMs`. Default 100 ms … 30 s. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

export interface LogFollowerOptions extends FollowerTiming {
  /** The checkpoint and lock key, unique within the schema. */
  readonly name: string;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly streamPrefixes?: readonly string[];
  readonly eventTypes?: readonly string[];
  readonly logger: Logger;
  readonly step: FollowerStep;
  /** Called after every saved checkpoint. */
  readonly onProgress?: (position: GlobalPosition) => void;
}

/**
 * A page that only moves past other followers' events (a filtered read found none of its own) saves
 * its checkpoint at most this often: the events skipped are read again after a restart and skipped
 * again, while saving every such page would cost a transaction per append elsewhere in the log.
 */
const PASS_OVER_SAVE_MS = 1_000;

/** Re-reads after a wake-up that found nothing yet (ms): about 100 ms in all, then the poll interval. */
const CHASE_MS = [2, 4, 8, 16, 32, 40] as const;

export class LogFollower {
  private lease: SharedLease | undefined;
  /** Where reading goes on from: past the last page handled. */
  private checkpoint: GlobalPosition | undefined;
  /** The checkpoint as last saved (behind `checkpoint` while pages without events go unsaved). */
  private saved: GlobalPosition | undefined;
  private savedAt = 0;
  private readonly appended = new Waker();
  private readonly stopping = new Waker();
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Woken by an append since the last page was read. */
  private hinted = false;
  /** Quick re-reads left after a wake-up that found nothing readable yet. */
  private chase = 0;
  private readonly labels: { schema: string; projection: string };

  constructor(private readonly options: LogFollowerOptions) {
    this.labels = { schema: options.schema, projection: options.name };
  }

  /** True while this instance holds the lock and runs. */
  get active(): boolean {
    return this.lease !== undefined && this.checkpoint !== undefined;
  }

  /** The checkpoint, known only while active. */
  get position(): GlobalPosition | undefined {
    return this.active ? this.checkpoint : undefined;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /**
   * New events may be readable (in `streamName`, of `eventTypes`, when known: a follower of other
   * streams or types sleeps on, and finds them at its next poll if it wants them after all).
   */
  wake(streamName?: string, eventTypes?: readonly string[]): void {
    const { streamPrefixes: prefixes, eventTypes: wanted } = this.options;
    if (streamName !== undefined && prefixes && !prefixes.some((prefix) => streamName.startsWith(prefix))) return;
    if (eventTypes !== undefined && wanted && !eventTypes.some((type) => wanted.includes(type))) return;
    this.hinted = true;
    this.appended.wake();
  }

  /** Finishes the page in progress, then releases the lock. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.appended.wake();
    this.stopping.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { batchSize = 500, pollIntervalMs = 200, lockRetryMs = 1000 } = this.options;
    const retry = this.options.retry ?? { initialMs: 100, maxMs: 30_000 };
    let failures = 0;
    while (!this.stopped) {
      try {
        // The lock connection died: the lock is gone, so stop until it is ours again.
        if (this.lease && !this.lease.held) await this.dropLease();
        if (!this.lease && !(await this.acquire())) {
          await this.stopping.sleep(lockRetryMs);
          continue;
        }
        const woken = this.hinted;
        this.hinted = false;
        const page = await this.options.store.readAll({
          after: this.checkpoint!,
          limit: batchSize,
          streamPrefixes: this.options.streamPrefixes,
          eventTypes: this.options.eventTypes,
        });
        if (!page.lastPosition) {
          followerMetrics.lagSeconds.set(this.labels, 0);
          failures = 0;
          // An append this process just made is invisible until every transaction that began before it
          // has ended (the log's ordering rule, DESIGN.md decision 2), usually within milliseconds: look
          // again soon rather than after a whole poll interval.
          if (woken) this.chase = CHASE_MS.length;
          const chase = this.chase > 0 ? CHASE_MS[CHASE_MS.length - this.chase--] : undefined;
          // Idle now: the moment to save what pages without events left unsaved.
          if (chase === undefined && this.saved !== this.checkpoint) await this.save(this.checkpoint!, []);
          await this.appended.sleep(chase ?? pollIntervalMs);
          continue;
        }
        // More of the same burst may become readable any moment (a wake-up is spent on the first read,
        // which may have seen only part of it): look again soon when the next read finds nothing.
        this.chase = page.events.length > 0 ? CHASE_MS.length : 0;
        const next = page.lastPosition;
        if (page.events.length > 0 || Date.now() - this.savedAt >= PASS_OVER_SAVE_MS) {
          await this.save(next, page.events);
        }
        this.checkpoint = next;
        failures = 0;
        this.record(page.events, next);
        this.options.onProgress?.(next);
      } catch (error) {
        if (this.stopped) break;
        failures++;
        followerMetrics.failures.inc(this.labels);
        this.options.logger.error(
          { err: error, projection: this.options.name, failures },
          'log follower page failed; retrying the same page',
        );
        // A moved checkpoint means the lock was not ours alone; a dead connection took the lock with it.
        if (this.lease && (error instanceof CheckpointMovedError || !(await this.lease.check()))) {
          await this.dropLease();
        }
        await this.stopping.sleep(backoffMs(failures, retry.initialMs, retry.maxMs));
      }
    }
    await this.dropLease();
  }

  /** Runs the step on a page (it saves the checkpoint from the last saved one to `position`). */
  private async save(position: GlobalPosition, events: readonly RecordedEvent[]): Promise<void> {
    const previous = this.saved!;
    await this.onPooledClient((client) => this.options.step({ events, lastPosition: position }, client, previous));
    this.saved = position;
    this.savedAt = Date.now();
  }

  private async acquire(): Promise<boolean> {
    const key = `${this.options.schema}.${this.options.name}`;
    const lease = await tryAcquireSharedLease(this.options.pool, 'cairn.processor', key);
    if (!lease) return false;
    try {
      await ensureCheckpoint(this.options.pool, this.options.schema, this.options.name);
      this.checkpoint = await loadCheckpoint(this.options.pool, this.options.schema, this.options.name);
      this.saved = this.checkpoint;
      this.savedAt = Date.now();
    } catch (error) {
      await lease.release();
      throw error;
    }
    this.lease = lease;
    followerMetrics.active.set(this.labels, 1);
    this.options.logger.info({ projection: this.options.name }, 'log follower is active');
    return true;
  }

  /** A connection for one page; one that failed mid-page is discarded rather than reused. */
  private async onPooledClient(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.options.pool.connect();
    let broken = false;
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await work(client);
    } catch (error) {
      broken ||= !(await client.query('SELECT 1').then(
        () => true,
        () => false,
      ));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async dropLease(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    this.checkpoint = undefined;
    this.saved = undefined;
    followerMetrics.active.set(this.labels, 0);
    await lease?.release();
  }

  private record(events: readonly RecordedEvent[], position: GlobalPosition): void {
    followerMetrics.checkpoint.set(this.labels, Number(position.prepare));
    if (events.length === 0) return;
    followerMetrics.handled.inc(this.labels, events.length);
    const occurredAt = Date.parse(events.at(-1)!.metadata.occurredAt);
    if (Number.isFinite(occurredAt))
      followerMetrics.lagSeconds.set(this.labels, Math.max(0, Date.now() - occurredAt) / 1000);
  }
}
