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
    this.unsubscribe = this.options.store.onAppended((streamName) => this.follower.wake(streamName));
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

  private async publishPage(page: Page, client: pg.PoolClient, previous: GlobalPosition): Promise<void> {
    for (const event of page.events) await this.publish(event);
    await saveCheckpoint(client, this.options.schema, RELAY_CHECKPOINT, previous, page.lastPosition);
  }

  /** Publishes one event, retrying with backoff until the bus takes it: an event is never skipped. */
  private async publish(event: RecordedEvent): Promise<void> {
    const message = this.options.map(event);
    if (!message) return;
    const cloudEvent = toCloudEvent(this.options.service, event, message);
    const data = this.encoder.encode(JSON.stringify(cloudEvent));
    const labels = { service: this.options.service };
    const retry = this.options.retry ?? { initialMs: 100, maxMs: 30_000 };
    for (let failures = 0; ; ) {
      if (this.stopped) throw new RelayStopped('relay stopped before the page was published');
      try {
        const ack = await this.options.bus.publishDurable(message.subject, data, {
          msgId: cloudEvent.id,
          headers: cloudEventHeaders(cloudEvent),
        });
        relayMetrics.published.inc({ ...labels, duplicate: String(ack.duplicate) });
        return;
      } catch (error) {
        failures++;
        relayMetrics.failures.inc(labels);
        this.logger.warn(
          { err: error, subject: message.subject, eventId: cloudEvent.id, failures },
          'publish failed; retrying the same event',
        );
        await this.backoff.sleep(backoffMs(failures, retry.initialMs, retry.maxMs));
      }
    }
  }
}
