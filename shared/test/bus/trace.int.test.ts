/**
 * Trace context crosses the bus: a request's SERVER span is the child of the caller's CLIENT span, the
 * handler runs inside it, and durable events carry the publisher's trace to the consumer. Run over NATS
 * and over the in-process bus, with an in-memory span exporter standing in for a collector.
 */

import { context, propagation, type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Bus, createMemoryBus, type DurableMessage, type RequestContext } from '../../src/bus/index.js';
import { createLogger } from '../../src/logging/index.js';
import { formatTraceparent } from '../../src/telemetry/index.js';
import { createTestNatsBus, dropTestStream } from '../../src/testing/nats.js';
import { bytes, collector, unique } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = trace.getTracer('bus-trace-test');
const logger = createLogger({ name: 'bus-trace-test', level: 'silent' });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const spanNamed = (name: string, kind: SpanKind) => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name && s.kind === kind);
  if (!span)
    throw new Error(`No ${SpanKind[kind]} span "${name}" among ${exporter.getFinishedSpans().map((s) => s.name)}`);
  return span;
};

const adapters: Array<[string, () => Promise<Bus>, () => Promise<void>]> = [
  ['NATS', () => createTestNatsBus({ logger }), () => dropTestStream()],
  ['in-process', async () => createMemoryBus({ logger }), async () => undefined],
];

describe.each(adapters)('trace context over the %s bus', (_name, open, cleanUp) => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await open();
  });
  afterAll(async () => {
    await bus.close();
    await cleanUp();
  });

  it('makes the server span a child of the client span, itself a child of the caller', async () => {
    const service = unique('traced');
    let handlerSaw: { context: RequestContext; active?: SpanContext } | undefined;
    await bus.serve({
      name: service,
      version: '1.0.0',
      operations: {
        work: async (_payload, ctx) => {
          handlerSaw = { context: ctx, active: trace.getActiveSpan()?.spanContext() };
          return 'done';
        },
      },
    });
    const caller = tracer.startSpan('HTTP POST /work');
    const reply = await context.with(trace.setSpan(context.active(), caller), () =>
      bus.request(service, 'work', {}, { context: { requestId: 'r-1' } }),
    );
    caller.end();
    expect(reply).toEqual({ ok: true, data: 'done' });

    const client = spanNamed(`rpc ${service}.work`, SpanKind.CLIENT);
    const server = spanNamed(`rpc ${service}.work`, SpanKind.SERVER);
    expect(client.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(server.spanContext().traceId).toBe(caller.spanContext().traceId);
    // The handler runs inside the server span and passes that span's context on.
    expect(handlerSaw?.active?.spanId).toBe(server.spanContext().spanId);
    expect(handlerSaw?.context.traceparent).toBe(formatTraceparent(server.spanContext()));
  });

  it('continues the trace named in the request context when no span is active', async () => {
    const service = unique('traced');
    await bus.serve({ name: service, version: '1.0.0', operations: { work: async () => 'ok' } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    await bus.request(service, 'work', {}, { context: { requestId: 'r-2', traceparent } });
    const client = spanNamed(`rpc ${service}.work`, SpanKind.CLIENT);
    const server = spanNamed(`rpc ${service}.work`, SpanKind.SERVER);
    expect(client.spanContext().traceId).toBe(traceId);
    expect(client.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
  });

  it('carries the publisher’s trace to a durable consumer and to subscribers', async () => {
    const subject = `cairn.${unique('svc')}.thing.happened.v1`;
    const producer = tracer.startSpan('command');
    const got = collector<DurableMessage>();
    await context.with(trace.setSpan(context.active(), producer), () =>
      bus.publishDurable(subject, bytes('{}'), { msgId: unique('evt') }),
    );
    producer.end();
    const consumer = await bus.consume({
      durable: unique('d'),
      filterSubjects: [subject],
      handler: async (m) => got.push(m),
    });
    const [message] = await got.waitFor(1);
    await consumer.close();
    expect(message?.headers.traceparent).toBe(formatTraceparent(producer.spanContext()));
    const processed = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.destination.name'] === subject);
    expect(processed?.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);

    const notified = collector<string | undefined>();
    const sub = bus.subscribe('app.traced.*', (n) => notified.push(n.headers.traceparent));
    await bus.ping();
    const notifier = tracer.startSpan('notify');
    context.with(trace.setSpan(context.active(), notifier), () => bus.publish('app.traced.x', bytes('hi')));
    notifier.end();
    expect(await notified.waitFor(1)).toEqual([formatTraceparent(notifier.spanContext())]);
    await sub.close();
  });
});
