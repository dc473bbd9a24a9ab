/** NATS message headers as OpenTelemetry carriers and as the plain records the port hands out. */
import { type MsgHdrs, headers as newHeaders } from '@nats-io/nats-core';
import type { TextMapGetter, TextMapSetter } from '../../telemetry/index.js';

export const natsHeaderSetter: TextMapSetter<MsgHdrs> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/** Tolerates a message without headers (a client other than ours may send one). */
export const natsHeaderGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export function headersToRecord(headers: MsgHdrs | undefined): Readonly<Record<string, string>> {
  if (!headers) return NO_HEADERS;
  const record: Record<string, string> = {};
  for (const [key, values] of headers) {
    if (values[0] !== undefined) record[key] = values[0];
  }
  return record;
}

export function recordToHeaders(record: Readonly<Record<string, string>> | undefined): MsgHdrs | undefined {
  if (!record) return undefined;
  const headers = newHeaders();
  for (const key in record) headers.set(key, record[key]!);
  return headers;
}
