/**
 * The relay against both Bus adapters: the in-memory one (embedded mode) and real NATS JetStream.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/bus/memory/index.js';
import type { Bus, Closeable } from '../../src/bus/port.js';
import type { EventStore, GlobalPosition, NewEvent } from '../../src/eventstore/index.js';
import { newId } from '../../src/ids/index.js';
import {
  type CloudEvent,
  type IntegrationMapper,
  IntegrationRelay,
  integrationSubject,
  relayMetrics,
} from '../../src/relay/index.js';
import { createTestDatabase, createTestNatsBus, dropTestStream, type TestDatabase } from '../../src/testing/index.js';
import { fastTiming, newStore, silentLogger } from '../projections/fixtures.js';

interface Received {
  readonly subject: string;
  readonly event: CloudEvent<{ n: number }>;
  readonly headers: Readonly<Record<string, string>>;
}

/** A durable consumer that records what arrives, in order. */
async function record(
  bus: Bus,
  service: string,
  deliverPolicy: 'all' | 'new' = 'all',
): Promise<{ received: Received[]; stop: Closeable }> {
  const received: Received[] = [];
  const stop = await bus.consume({
    durable: `relay-test-${newId()}`,
    deliverPolicy,
    filterSubjects: [`cairn.${service}.*.*.*`],
    async handler(message) {
      received.push({
        subject: message.subject,
        event: JSON.parse(new TextDecoder().decode(message.data)),
        headers: message.headers,
      });
      message.ack();
    },
  });
  return { received, stop };
}

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Made → public `cairn.<service>.thing.made.v1`; Secret stays private. */
const mapperFor =
  (service: string): IntegrationMapper =>
  (e) =>
    e.type === 'Made'
      ? { subject: integrationSubject(service, 'thing', 'made', 1), data: { n: (e.data as { n: number }).n } }
      : undefined;

/** Fails the first `failures` publishes, as a bus that is down for a while. */
function flakyBus(bus: Bus, failures: number): Bus & { attempts: () => number } {
  let attempts = 0;
  const flaky = Object.create(bus) as Bus & { attempts: () => number };
  flaky.publishDurable = async (...args) => {
    if (attempts++ < failures) throw new Error('bus unavailable');
    return bus.publishDurable(...args);
  };
  flaky.attempts = () => attempts;
  return flaky;
}

/** [name, service name prefix (metrics are per process, so each adapter gets its own services), bus]. */
const adapters: [string, string, () => Promise<Bus>][] = [
  ['memory bus', 'mem', async () => createMemoryBus({ logger: silentLogger })],
  ['NATS JetStream', 'nats', () => createTestNatsBus({ logger: silentLogger })],
];

describe.each(adapters)('integration relay over the %s', (_name, servicePrefix, makeBus) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let services = 0;
  const buses: Bus[] = [];
  const bus = async () => {
    const b = await makeBus();
    buses.push(b);
    return b;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool({ max: 8 });
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await dropTestStream();
    await db?.drop();
  });

  async function setup() {
    const service = `${servicePrefix}${++services}`;
    const store = await newStore(pool, service);
    const relayOn = (target: Bus) =>
      new IntegrationRelay({
        service,
        pool,
        schema: service,
        store,
        bus: target,
        map: mapperFor(service),
        logger: silentLogger,
        ...fastTiming,
        batchSize: 4,
      });
    return { service, store, relayOn };
  }

  async function appendThings(
    store: EventStore,
    from: number,
    to: number,
  ): Promise<{ ids: string[]; last: GlobalPosition }> {
    const ids: string[] = [];
    let last: GlobalPosition | undefined;
    for (let n = from; n < to; n++) {
      const eventId = newId();
      const events: NewEvent[] = [
        {
          type: 'Made',
          data: { n },
          metadata: { eventId, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        },
        { type: 'Secret', data: { password: 'hunter2' } },
      ];
      last = (await store.appendToStream(`thing-${n % 3}`, events, { expectedVersion: 'any' })).position;
      ids.push(eventId);
    }
    return { ids, last: last! };
  }

  it('publishes each public event once, in order, with msgId = event id; private events stay home', async () => {
    const { service, store, relayOn } = await setup();
    const target = await bus();
    const { received, stop } = await record(target, service);
    const relay = relayOn(target);
    await relay.start();
    const { ids, last } = await appendThings(store, 0, 12);
    expect(await relay.waitForPosition(last, 10_000)).toBe(true);
    await eventually(() => received.length >= 12);
    await relay.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stop.close();

    expect(received.map((r) => r.event.id)).toEqual(ids);
    expect(received.map((r) => r.event.data.n)).toEqual([...Array(12).keys()]);
    expect(JSON.stringify(received)).not.toContain('hunter2');
    const first = received[0]!;
    expect(first.subject).toBe(`cairn.${service}.thing.made.v1`);
    expect(first.event).toMatchObject({
      specversion: '1.0',
      source: `cairn/${service}`,
      type: `cairn.${service}.thing.made.v1`,
      subject: 'thing-0',
      datacontenttype: 'application/json',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(first.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('keeps retrying while the bus is down, then publishes everything once, in order', async () => {
    const { service, store, relayOn } = await setup();
    const target = await bus();
    const flaky = flakyBus(target, 5);
    const { received, stop } = await record(target, service);
    const relay = relayOn(flaky);
    await relay.start();
    const { ids, last } = await appendThings(store, 0, 6);
    expect(await relay.waitForPosition(last, 10_000)).toBe(true);
    await eventually(() => received.length >= 6);
    await relay.stop();
    await stop.close();
    expect(flaky.attempts()).toBe(6 + 5);
    expect(received.map((r) => r.event.id)).toEqual(ids);
  });

  it('a restarted relay continues from its checkpoint', async () => {
    const { service, store, relayOn } = await setup();
    const first = await appendThings(store, 0, 5);
    const before = relayOn(await bus());
    await before.start();
    expect(await before.waitForPosition(first.last, 10_000)).toBe(true);
    await before.stop();

    // Only what is published from now on is recorded; a re-publish of the first five would show up
    // (and on NATS, where the stream would drop it, the relay would count it as a duplicate).
    const after = await bus();
    const { received, stop } = await record(after, service, 'new');
    const second = await appendThings(store, 5, 9);
    const relay = relayOn(after);
    await relay.start();
    expect(await relay.waitForPosition(second.last, 10_000)).toBe(true);
    await eventually(() => received.length >= 4);
    await relay.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stop.close();
    expect(received.map((r) => r.event.id)).toEqual(second.ids);
    const published = await relayMetrics.published.get();
    const duplicates = published.values.filter((v) => v.labels.service === service && v.labels.duplicate === 'true');
    expect(duplicates.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  });

  it('a republish after a lost checkpoint is dropped by the bus as a duplicate', async () => {
    const { service, store, relayOn } = await setup();
    const target = await bus();
    const { received, stop } = await record(target, service);
    const { ids, last } = await appendThings(store, 0, 5);
    const relay = relayOn(target);
    await relay.start();
    expect(await relay.waitForPosition(last, 10_000)).toBe(true);
    await relay.stop();
    // As if the process died after publishing but before its checkpoint committed.
    await pool.query(
      `UPDATE ${service}.projection_checkpoints SET commit_position = 0, prepare_position = 0 WHERE name = 'relay'`,
    );
    const again = relayOn(target);
    await again.start();
    expect(await again.waitForPosition(last, 10_000)).toBe(true);
    await again.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stop.close();
    expect(received.map((r) => r.event.id)).toEqual(ids);
    const published = await relayMetrics.published.get();
    const duplicates = published.values.filter((v) => v.labels.service === service && v.labels.duplicate === 'true');
    expect(duplicates.reduce((sum, v) => sum + v.value, 0)).toBe(5);
  });

  it('runs one live relay per service', async () => {
    const { service, store, relayOn } = await setup();
    const target = await bus();
    const { received, stop } = await record(target, service);
    const relays = [relayOn(target), relayOn(target)];
    await Promise.all(relays.map((r) => r.start()));
    const { ids, last } = await appendThings(store, 0, 8);
    expect(await relays[0]!.waitForPosition(last, 10_000)).toBe(true);
    await eventually(() => received.length >= 8);
    expect(relays.filter((r) => r.active)).toHaveLength(1);
    await Promise.all(relays.map((r) => r.stop()));
    await stop.close();
    expect(received.map((r) => r.event.id)).toEqual(ids);
  });
});
