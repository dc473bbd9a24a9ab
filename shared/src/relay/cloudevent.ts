/**
 * Integration events on the wire: CloudEvents 1.0 in structured JSON mode, one per published domain
 * event. The subject names the service, entity, event and its contract version, so consumers filter
 * with NATS wildcards (`cairn.auth.>`, `cairn.*.user.*.v1`).
 */
import type { RecordedEvent } from '../eventstore/port.js';

export interface CloudEvent<Data = unknown> {
  readonly specversion: '1.0';
  /** The domain event's id (UUIDv7); also the JetStream `msgID`, so a republish is dropped. */
  readonly id: string;
  /** `cairn/<service>`. */
  readonly source: string;
  /** The integration subject, e.g. `cairn.auth.user.registered.v1`. */
  readonly type: string;
  /** The stream the event belongs to (the entity instance). */
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: Data;
  /** Distributed tracing extension: the trace of the command that produced the event. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly correlationid?: string;
  readonly causationid?: string;
}

/** What a service publishes for one of its domain events; `undefined` keeps the event private. */
export interface IntegrationMessage {
  readonly subject: string;
  readonly data: unknown;
}

export type IntegrationMapper = (event: RecordedEvent) => IntegrationMessage | undefined;

const TOKEN = /^[a-z0-9_-]+$/;

/** `cairn.<service>.<entity>.<event>.v<N>`, e.g. `integrationSubject('auth', 'user', 'registered', 1)`. */
export function integrationSubject(service: string, entity: string, event: string, version: number): string {
  for (const [what, token] of [
    ['service', service],
    ['entity', entity],
    ['event', event],
  ] as const) {
    if (!TOKEN.test(token) || token === 'rpc' || token === 'notify') {
      throw new Error(`integration subject ${what} "${token}" must be lower-case letters, digits, '-' or '_'`);
    }
  }
  if (!Number.isInteger(version) || version < 1) throw new Error(`integration event version must be ≥ 1: ${version}`);
  return `cairn.${service}.${entity}.${event}.v${version}`;
}

export function toCloudEvent(service: string, event: RecordedEvent, message: IntegrationMessage): CloudEvent {
  const m = event.metadata;
  return {
    specversion: '1.0',
    id: m.eventId,
    source: `cairn/${service}`,
    type: message.subject,
    subject: event.streamName,
    time: m.occurredAt,
    datacontenttype: 'application/json',
    data: message.data,
    ...(m.traceparent ? { traceparent: m.traceparent } : {}),
    ...(m.tracestate ? { tracestate: m.tracestate } : {}),
    ...(m.correlationId ? { correlationid: m.correlationId } : {}),
    ...(m.causationId ? { causationid: m.causationId } : {}),
  };
}

/** Bus headers: the trace context, so consumers continue the command's trace. */
export function cloudEventHeaders(event: CloudEvent): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' };
  if (event.traceparent) headers.traceparent = event.traceparent;
  if (event.tracestate) headers.tracestate = event.tracestate;
  return headers;
}
