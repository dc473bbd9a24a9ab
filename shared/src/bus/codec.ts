/**
 * JSON on the wire, for both adapters: the in-process bus serialises too, so nothing is shared by
 * reference and a handler sees exactly what it would over NATS (no Dates, no undefined, no class instances).
 */

import { DomainError } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import { jsonCopy } from './json-copy.js';
import type { RpcReply } from './port.js';

const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** `undefined` travels as an empty body and comes back as `undefined`. */
export function encodeJson(value: unknown): Uint8Array {
  if (value === undefined) return EMPTY;
  // Buffer.from, not TextEncoder: the same UTF-8 bytes (a Buffer is a Uint8Array) at a fraction of the
  // cost for the small messages RPC carries. Decoding stays with TextDecoder, which is the faster there.
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? EMPTY : Buffer.from(text, 'utf8');
}

export function decodeJson<T = unknown>(data: Uint8Array): T {
  if (data.length === 0) return undefined as T;
  return JSON.parse(decoder.decode(data)) as T;
}

export function okReply<T>(data: T): RpcReply<T> {
  return { ok: true, data };
}

export function errorReply(code: string, message: string, details?: unknown): RpcReply<never> {
  return details === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, error: { code, message, details } };
}

/**
 * A `DomainError` crosses the bus as it is; anything else is a bug whose message and stack may hold
 * internals, so the caller only learns INTERNAL_ERROR and the log gets the rest.
 */
export function replyFromError(error: unknown, logger: Logger, where: Record<string, unknown>): RpcReply<never> {
  if (error instanceof DomainError) return errorReply(error.code, error.message, error.details);
  logger.error({ err: error, ...where }, 'RPC handler failed');
  return errorReply('INTERNAL_ERROR', 'Internal error');
}

/** Encodes a reply; a result JSON cannot represent (a BigInt, a cycle) is a handler bug, answered as one. */
export function encodeReply(reply: RpcReply, logger: Logger, where: Record<string, unknown>): Uint8Array {
  try {
    return encodeJson(reply);
  } catch (error) {
    return encodeJson(replyFromError(error, logger, where));
  }
}

/**
 * `encodeReply` without the bytes, for the in-process bus: the reply as a JSON round trip would leave it
 * (`jsonCopy`), nothing shared with the handler's result.
 */
export function copyReply(reply: RpcReply, logger: Logger, where: Record<string, unknown>): RpcReply {
  try {
    return jsonCopy(reply) as RpcReply;
  } catch (error) {
    return jsonCopy(replyFromError(error, logger, where)) as RpcReply;
  }
}
