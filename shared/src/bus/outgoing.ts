import { injectTraceContext, recordSetter, TRACEPARENT } from '../telemetry/index.js';

/**
 * Headers for an outgoing publish: the caller's own, plus the active trace context unless the caller
 * set one (a relay passes the trace of the command that produced the event, which must win).
 * Returns `undefined` when there is nothing to send, so the common case allocates nothing more.
 */
export function outgoingHeaders(headers?: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const result: Record<string, string> = headers ? { ...headers } : {};
  if (result[TRACEPARENT] === undefined) injectTraceContext(result, recordSetter);
  for (const _ in result) return result;
  return undefined;
}
