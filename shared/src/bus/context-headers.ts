/**
 * The RequestContext as message headers, written by callers and read by servers of both adapters.
 * Header names are lower-case and matched exactly (NATS headers are case-sensitive).
 */
import type { Actor } from '../eventstore/port.js';
import {
  type TextMapGetter,
  type TextMapSetter,
  TRACEPARENT,
  TRACESTATE,
  type TraceHeaders,
} from '../telemetry/index.js';
import type { RequestContext } from './port.js';

export const HEADER_REQUEST_ID = 'cairn-request-id';
export const HEADER_ACTOR = 'cairn-actor';
export const HEADER_IDEMPOTENCY_KEY = 'idempotency-key';
export const HEADER_DEADLINE = 'cairn-deadline';

export function writeContextHeaders<C>(carrier: C, setter: TextMapSetter<C>, context: RequestContext): void {
  setter.set(carrier, HEADER_REQUEST_ID, context.requestId);
  if (context.actor) setter.set(carrier, HEADER_ACTOR, JSON.stringify(context.actor));
  if (context.traceparent) setter.set(carrier, TRACEPARENT, context.traceparent);
  if (context.tracestate) setter.set(carrier, TRACESTATE, context.tracestate);
  if (context.idempotencyKey) setter.set(carrier, HEADER_IDEMPOTENCY_KEY, context.idempotencyKey);
  if (context.deadline !== undefined) setter.set(carrier, HEADER_DEADLINE, String(context.deadline));
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A header's first value; empty counts as absent. A plain function, not a per-call closure: this runs per request. */
function headerOf<C>(carrier: C, getter: TextMapGetter<C>, name: string): string | undefined {
  const value = getter.get(carrier, name);
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

/**
 * Rebuilds the context on the serving side. `own` is the server span's trace context when one is
 * recorded, so whatever the handler passes on continues from the server span rather than the caller.
 * Absent fields are left out entirely (not set to undefined), so a context survives a JSON round trip unchanged.
 */
export function readContextHeaders<C>(carrier: C, getter: TextMapGetter<C>, own: TraceHeaders): RequestContext {
  const context: Mutable<RequestContext> = { requestId: headerOf(carrier, getter, HEADER_REQUEST_ID) ?? '' };
  const actor = parseActor(headerOf(carrier, getter, HEADER_ACTOR));
  if (actor !== undefined) context.actor = actor;
  const traceparent = own.traceparent ?? headerOf(carrier, getter, TRACEPARENT);
  if (traceparent !== undefined) context.traceparent = traceparent;
  const tracestate = own.traceparent ? own.tracestate : headerOf(carrier, getter, TRACESTATE);
  if (tracestate !== undefined) context.tracestate = tracestate;
  const idempotencyKey = headerOf(carrier, getter, HEADER_IDEMPOTENCY_KEY);
  if (idempotencyKey !== undefined) context.idempotencyKey = idempotencyKey;
  const deadline = Number(headerOf(carrier, getter, HEADER_DEADLINE));
  if (Number.isFinite(deadline)) context.deadline = deadline;
  return context;
}

/**
 * What `readContextHeaders` would rebuild from the headers `writeContextHeaders` writes, without the
 * headers: the in-process bus hands the context over directly. A fresh object, the actor too, so the
 * handler shares nothing with the caller; empty values, a malformed actor and a non-finite deadline are
 * left out, as on the wire. `injected` is what the caller's active trace context injected (it wins over
 * the context's own trace fields, as it overwrites those headers).
 */
export function copyContext(context: RequestContext, injected: TraceHeaders): RequestContext {
  const copy: Mutable<RequestContext> = { requestId: context.requestId || '' };
  if (context.actor) {
    const actor = copyActor(context.actor);
    if (actor !== undefined) copy.actor = actor;
  }
  const traceparent = injected.traceparent || context.traceparent;
  if (traceparent) copy.traceparent = traceparent;
  const tracestate = (injected.traceparent && injected.tracestate) || context.tracestate;
  if (tracestate) copy.tracestate = tracestate;
  if (context.idempotencyKey) copy.idempotencyKey = context.idempotencyKey;
  if (context.deadline !== undefined) {
    // What a header does to it: a finite number survives exactly; anything else as its text would parse.
    const deadline = typeof context.deadline === 'number' ? context.deadline : Number(String(context.deadline));
    if (Number.isFinite(deadline)) copy.deadline = deadline;
  }
  return copy;
}

/** An actor of plain strings is copied field by field; anything else goes through JSON, as on the wire. */
function copyActor(actor: Actor): Actor | undefined {
  if (typeof actor !== 'object' || Array.isArray(actor)) return parseActor(JSON.stringify(actor));
  const copy: Record<string, string> = {};
  for (const key of Object.keys(actor)) {
    const value = (actor as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string') copy[key] = value;
    else if (value !== undefined) return parseActor(JSON.stringify(actor));
  }
  return typeof copy.id === 'string' ? (copy as unknown as Actor) : undefined;
}

/** A malformed actor header is treated as no actor: handlers then refuse as unauthenticated. */
function parseActor(raw: string | undefined): Actor | undefined {
  if (!raw) return undefined;
  try {
    const actor = JSON.parse(raw) as Actor;
    return typeof actor === 'object' && actor !== null && typeof actor.id === 'string' ? actor : undefined;
  } catch {
    return undefined;
  }
}
