/**
 * Subject rules shared by both adapters, so the in-process bus accepts and refuses exactly what NATS would.
 */

/**
 * What the events stream captures: `cairn.<service>.<entity>.<event>.v<N>`, five tokens. RPC subjects
 * (`cairn.rpc.<service>.<op>`) and notifications (`cairn.notify.<kind>.<id>`) have four, so the stream
 * never swallows them (a request on a stream subject would get a JetStream ack instead of a reply).
 */
export const EVENT_SUBJECT_FILTER = 'cairn.*.*.*.*';

const TOKEN = /^[A-Za-z0-9_-]+$/;
const RESERVED_SECOND_TOKENS = new Set(['rpc', 'notify']);

/** A service or operation name becomes one subject token: no dots, no wildcards. */
export function assertToken(kind: string, value: string): void {
  if (!TOKEN.test(value)) throw new Error(`Invalid ${kind} "${value}": use letters, digits, '-' and '_' only`);
}

/** True for a well-formed integration event subject: `cairn.<service>.<entity>.<event>.v<N>`. */
export function isEventSubject(subject: string): boolean {
  const tokens = subject.split('.');
  if (tokens.length !== 5 || tokens[0] !== 'cairn') return false;
  if (RESERVED_SECOND_TOKENS.has(tokens[1]!)) return false;
  if (!tokens.every((token) => TOKEN.test(token))) return false;
  return /^v[0-9]+$/.test(tokens[4]!);
}

export function assertEventSubject(subject: string): void {
  if (!isEventSubject(subject)) {
    throw new Error(`"${subject}" is not an event subject: expected cairn.<service>.<entity>.<event>.v<N>`);
  }
}

/**
 * A core (ephemeral) publish must stay out of the events stream's subjects: on NATS the stream would
 * silently store it. Refusing it here keeps both adapters identical and the mistake visible.
 */
export function assertEphemeralSubject(subject: string): void {
  if (subject.length === 0 || subject.includes('*') || subject.includes('>')) {
    throw new Error(`Cannot publish to "${subject}": a subject needs no wildcards`);
  }
  if (matchesSubject(EVENT_SUBJECT_FILTER, subject)) {
    throw new Error(`"${subject}" lies in the events stream; use publishDurable, or a four-token subject`);
  }
}

/** NATS wildcard matching: `*` is exactly one token, a final `>` is one or more tokens. */
export function matchesSubject(filter: string, subject: string): boolean {
  if (filter === subject) return true;
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    const token = f[i];
    if (token === '>') return i === f.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return f.length === s.length;
}

export function matchesAny(filters: readonly string[], subject: string): boolean {
  for (const filter of filters) if (matchesSubject(filter, subject)) return true;
  return false;
}
