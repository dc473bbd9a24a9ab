/**
 * The integration-event relay (DESIGN.md decision 5): follows the service's own global log like a
 * projection (checkpoint `relay` in `projection_checkpoints`, one live instance per service), turns each
 * public event into a CloudEvent and publishes it durably with `msgId = event id`. The checkpoint moves
 * only after the bus acknowledged, so a crash re-publishes at most a page, which the bus deduplicates.
 * The event store is the outbox: the service never writes to the bus directly.
 */
import type pg from 'pg';
import type { Bus } from '../bus/port.js';
import type { EventStore, GlobalPosition, RecordedEvent } from '../eventstore/port.js';
import { createLogger, type Logger } from '../logging/index.js';
import { checkpointsDdl, saveCheckpoint } from '../projections/checkpoints.js';
import { type FollowerTiming, LogFollower, type Page } from '../projections/follower.js';
import { RELAY_CHECKPOINT } from '../projections/runner.js';
import { initialiseSchema, waitForCheckpoint } from '../projections/wait.js';
import { backoffMs, Waker } from '../projections/waker.js';
import { cloudEventHeaders, type IntegrationMapper, toCloudEvent } from './cloudevent.js';
import { relayMetrics } from './metrics.js';

export interface RelayOptions extends FollowerTiming {
  /** The service name: `source` is `cairn/<service>`. */
  readonly service: string;
  /** Pool and schema of the service (where `projection_checkpoints` lives). */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly store: EventStore;
  readonly bus: Bus;
  /** Domain event → public subject and data; `undefined` keeps the event private. */
  readonly map: IntegrationMapper;
  /** Narrow what is read from the log (the mapper still decides). */
  readonly streamPrefixes?: readonly string[];
  readonly eventTypes?: readonly string[];
  readonly logger?: Logger;
}

class RelayStopped extends Error {}

/** Publishes in flight at once within a page. */
const PUBLISH_WINDOW = 64;

export class IntegrationRelay {
  private readonly follower: LogFollower;
  private readonly logger: Logger;
  private readonly backoff = new Waker();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: RelayOptions) {
    this.logger = options.logger ?? createLogger({ name: 'relay', level: process.env.LOG_LEVEL ?? 'info' });
    this.follower = new LogFollower({
      batchSize: 100,
      ...options,
      name: RELAY_CHECKPOINT,
      logger: this.logger,
      step: (page, client, previous) => this.publishPage(page, client, previous),
    });
  }

  async start(): Promise<void> {
    await initialiseSchema(this.options.pool, this.options.schema, async (client) => {
      for (const statement of checkpointsDdl(this.options.schema)) await client.query(statement);
    });
    this.follower.start();
    this.unsubscribe = this.options.store.onAppended((streamName, eventTypes) =>
      this.follower.wake(streamName, eventTypes),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.backoff.wake();
    await this.follower.stop();
  }

  /** Whether this instance is the one publishing (false on standby). */
  get active(): boolean {
    return this.follower.active;
  }

  /** Resolves true once everything up to `position` has been published (false after `timeoutMs`). */
  waitForPosition(position: GlobalPosition, timeoutMs = 5_000): Promise<boolean> {
    return waitForCheckpoint(this.options.pool, this.options.schema, RELAY_CHECKPOINT, position, timeoutMs);
  }

  /**
   * Publishes a page a window at a time: the publishes of a window go out together, in log order (one
   * connection, or the in-process log's single writer), and the bus acknowledges them together, which is
   * many times faster than one at a time. Those that failed are then retried one by one, in log order,
   * until the bus takes each; a retried event may land after a later one, which subscribers order by the
   * entity's `version`.
   */
  private async publishPage(page: Page, client: pg.PoolClient, previous: GlobalPosition): Promise<void> {
    for (let start = 0; start < page.events.length; start += PUBLISH_WINDOW) {
      const window = page.events.slice(start, start + PUBLISH_WINDOW);
      const outcomes = await Promise.allSettled(window.map((event) => this.publishOnce(event)));
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') await this.publishUntilTaken(window[index] as RecordedEvent);
      }
    }
    await saveCheckpoint(client, this.options.schema, RELAY_CHECKPOINT, previous, page.lastPosition);
  }

  /** One attempt; a failure is counted, logged and thrown. */
  private async publishOnce(event: RecordedEvent): Promise<void> {
    const message = this.options.map(event);
    if (!message) return;
    const cloudEvent = toCloudEvent(this.options.service, event, message);
    const data = this.encoder.encode(JSON.stringify(cloudEvent));
    const labels = { service: this.options.service };
    try {
      const ack = await this.options.bus.publishDurable(message.subject, data, {
        msgId: cloudEvent.id,
        headers: cloudEventHeaders(cloudEvent),
      });
      relayMetrics.published.inc({ ...labels, duplicate: String(ack.duplicate) });
    } catch (error) {
      relayMetrics.failures.inc(labels);
      this.logger.warn({ err: error, subject: message.subject, eventId: cloudEvent.id }, 'publish failed');
      throw error;
    }
  }

  /** Retries with backoff until the bus takes the event: an event is never skipped. */
  private async publishUntilTaken(event: RecordedEvent): Promise<void> {
    const retry = this.options.retry ?? { initialMs: 100, maxMs: 30_000 };
    for (let failures = 1; ; failures++) {
      await this.backoff.sleep(backoffMs(failures, retry.initialMs, retry.maxMs));
      if (this.stopped) throw new RelayStopped('relay stopped before the page was published');
      try {
        await this.publishOnce(event);
        return;
      } catch {
        // counted and logged by publishOnce; try again after the next backoff
      }
    }
  }
}
