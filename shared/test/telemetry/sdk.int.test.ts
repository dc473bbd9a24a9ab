/**
 * startTelemetry against a real OTLP/HTTP receiver: a plain HTTP server on 127.0.0.1 standing in for an
 * OpenTelemetry collector (it records what the exporter posts to /v1/traces).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { recordGetter, recordSetter } from '../../src/telemetry/propagation.js';
import { otlpTracesUrl, startTelemetry, telemetryStatus } from '../../src/telemetry/sdk.js';

interface Received {
  readonly path: string;
  readonly body: string;
}

async function startCollector(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const INCOMING = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('startTelemetry', () => {
  it('without an exporter, propagates W3C trace context across awaits and exports nothing', async () => {
    const stop = await startTelemetry('cairn-test', {});
    stops.push(stop);
    expect(telemetryStatus()).toEqual({ exporting: false, serviceName: 'cairn-test' });

    const remote = propagation.extract(ROOT_CONTEXT, { traceparent: INCOMING }, recordGetter);
    const outgoing: Record<string, string> = {};
    await context.with(remote, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      propagation.inject(context.active(), outgoing, recordSetter);
    });
    expect(outgoing.traceparent).toBe(INCOMING);
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT, exports spans over OTLP/HTTP under OTEL_SERVICE_NAME', async () => {
    const collector = await startCollector();
    stops.push(() => new Promise((resolve) => collector.server.close(() => resolve())));
    const stop = await startTelemetry('cairn-test', {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'cairn-renamed',
    });
    expect(telemetryStatus()).toEqual({ exporting: true, serviceName: 'cairn-renamed' });

    const remote = propagation.extract(ROOT_CONTEXT, { traceparent: INCOMING }, recordGetter);
    context.with(remote, () => trace.getTracer('test').startSpan('exported-span').end());
    await stop(); // flushes the batch processor

    const traces = collector.received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = traces.map((r) => r.body).join('\n');
    expect(body).toContain('exported-span');
    expect(body).toContain('cairn-renamed');
    // The span continued the incoming trace.
    expect(body).toContain('0af7651916cd43dd8448eb211c80319c');
    expect(telemetryStatus()).toBeUndefined();
  });

  it('a second start while running returns the same stop function', async () => {
    const first = await startTelemetry('one', {});
    stops.push(first);
    expect(await startTelemetry('two', {})).toBe(first);
    expect(telemetryStatus()?.serviceName).toBe('one');
  });

  it('derives the traces URL as the OTLP/HTTP spec says', () => {
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' })).toBe('http://c:4318/custom');
    expect(otlpTracesUrl({})).toBeUndefined();
  });
});
