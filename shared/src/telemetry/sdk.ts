/**
 * Process-wide OpenTelemetry set-up, called first thing by every entry point (`startTelemetry`).
 *
 * Always: the W3C trace-context propagator and an AsyncLocalStorage context manager, so a request's
 * `traceparent` follows it across `await`s and onto the bus even when nothing is exported.
 * Only when an exporter is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * or `OTEL_TRACES_EXPORTER`): the Node SDK with a trace exporter (OTLP over HTTP by default). The SDK is
 * imported only then, because loading it costs more than a second of start-up.
 *
 * Metrics are served by the gateway's `/metrics` (Prometheus) and logs go to stdout (pino), so the SDK's
 * own metric and log pipelines stay off unless `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` ask for them.
 */

import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';

type SpanExporter = NodeSDKConfiguration['traceExporter'];

export type StopTelemetry = () => Promise<void>;

export interface TelemetryStatus {
  /** Whether spans are exported (the SDK runs) or only propagated. */
  readonly exporting: boolean;
  /** The `service.name` spans carry when exporting. */
  readonly serviceName: string;
}

let running: { status: TelemetryStatus; stop: StopTelemetry } | undefined;

/** What `startTelemetry` set up in this process, if anything. */
export const telemetryStatus = (): TelemetryStatus | undefined => running?.status;

/**
 * Starts telemetry for this process and returns the function that flushes and stops it. A second call
 * while running returns the same stop function (several services may share one process).
 */
export async function startTelemetry(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StopTelemetry> {
  if (running) return running.stop;

  const name = env.OTEL_SERVICE_NAME || serviceName;
  // The SDK registers the same propagator and context manager itself (given in startSdk).
  const sdk = exporterConfigured(env) ? await startSdk(name, env) : undefined;
  if (!sdk) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  }

  let stopping: Promise<void> | undefined;
  const stop: StopTelemetry = () => {
    stopping ??= (async () => {
      try {
        await sdk?.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
        running = undefined;
      }
    })();
    return stopping;
  };
  running = { status: { exporting: sdk !== undefined, serviceName: name }, stop };
  return stop;
}

function exporterConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The traces URL per the OTLP/HTTP spec: the signal-specific endpoint as is, the generic one + `/v1/traces`. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

async function startSdk(serviceName: string, env: NodeJS.ProcessEnv): Promise<{ shutdown(): Promise<void> }> {
  const { NodeSDK, tracing } = await import('@opentelemetry/sdk-node');
  const exporterName = env.OTEL_TRACES_EXPORTER?.trim() || 'otlp';

  let traceExporter: SpanExporter | undefined;
  if (exporterName === 'otlp') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const url = otlpTracesUrl(env);
    traceExporter = new OTLPTraceExporter(url ? { url } : {});
  } else if (exporterName === 'console') {
    traceExporter = new tracing.ConsoleSpanExporter();
  }
  // Any other OTEL_TRACES_EXPORTER value (e.g. zipkin) is left to the SDK's own reading of the environment.

  const sdk = new NodeSDK({
    serviceName,
    ...(traceExporter ? { traceExporter } : {}),
    textMapPropagator: new W3CTraceContextPropagator(),
    contextManager: new AsyncLocalStorageContextManager(),
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  return sdk;
}
