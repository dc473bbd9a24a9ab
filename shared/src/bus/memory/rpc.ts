/**
 * Request/reply inside one process, with NATS's observable behaviour: the payload and the reply copied
 * through JSON, the context copied, round robin over the services serving a name (a queue group), no
 * responders and timeouts as `BusError`s, deadlines honoured by the server.
 *
 * Two ways through. With a tracer provider registered, the shared path (`callService` / `createDispatch`)
 * runs as over NATS, spans and headers included. Without one, spans would be no-ops, so the call skips
 * them and the encoding altogether: payload and reply are copied as a JSON round trip would leave them
 * (`jsonCopy`, without the text) and the context as its headers would rebuild it (`copyContext`). Both
 * ways give a handler and a caller exactly the same values.
 */
import type { Logger } from '../../logging/index.js';
import {
  injectTraceContext,
  recordGetter,
  recordSetter,
  type TraceHeaders,
  tracingEnabled,
} from '../../telemetry/index.js';
import { type CallTransport, callService, DEFAULT_REQUEST_TIMEOUT_MS } from '../call.js';
import { copyContext } from '../context-headers.js';
import {
  createDirectDispatch,
  createDispatch,
  type DirectDispatch,
  type Dispatch,
  servedOperations,
} from '../dispatch.js';
import { jsonCopy } from '../json-copy.js';
import {
  BusError,
  type Closeable,
  type RequestOptions,
  type RpcReply,
  rpcSubject,
  type ServiceDefinition,
} from '../port.js';
import { assertToken } from '../subjects.js';
import { TimeoutQueue } from '../timeouts.js';
import { MEMORY_SYSTEM } from './consume.js';

interface Server {
  readonly operations: ReadonlySet<string>;
  readonly dispatch: Dispatch;
  readonly direct: DirectDispatch;
  readonly inFlight: Set<Promise<unknown>>;
}

export class MemoryRpc {
  private readonly servers = new Map<string, Server[]>();
  private readonly turn = new Map<string, number>();
  private readonly timeouts = new TimeoutQueue();
  private readonly transport: CallTransport<Record<string, string>> = {
    system: MEMORY_SYSTEM,
    newCarrier: () => ({}),
    setter: recordSetter,
    send: (service, operation, data, headers, timeoutMs) => {
      const server = this.pick(service, operation);
      if (server === undefined) return Promise.reject(noResponders(service, operation));
      return this.track(server, timeoutMs, service, operation, () =>
        server.dispatch(operation, data, headers, recordGetter),
      );
    },
  };

  constructor(private readonly logger: Logger) {}

  serve(service: ServiceDefinition): Closeable {
    const operations = servedOperations(service);
    const server: Server = {
      operations: new Set(operations.keys()),
      dispatch: createDispatch(service, operations, MEMORY_SYSTEM, this.logger),
      direct: createDirectDispatch(service, operations, this.logger),
      inFlight: new Set(),
    };
    this.servers.set(service.name, [...(this.servers.get(service.name) ?? []), server]);
    return {
      close: async () => {
        const rest = (this.servers.get(service.name) ?? []).filter((s) => s !== server);
        if (rest.length > 0) this.servers.set(service.name, rest);
        else this.servers.delete(service.name);
        await Promise.allSettled([...server.inFlight]);
      },
    };
  }

  /** Never throws: a bad name or an unencodable payload rejects, as with the NATS adapter. */
  request<Res>(service: string, operation: string, payload: unknown, options: RequestOptions): Promise<RpcReply<Res>> {
    if (tracingEnabled())
      return callService<Res, Record<string, string>>(this.transport, service, operation, payload, options);
    try {
      assertToken('service name', service);
      assertToken('operation name', operation);
      const copy = jsonCopy(payload);
      const context = copyContext(options.context, activeTraceHeaders());
      const server = this.pick(service, operation);
      if (server === undefined) return Promise.reject(noResponders(service, operation));
      return this.track(server, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, service, operation, () =>
        server.direct(operation, copy, context),
      ) as Promise<RpcReply<Res>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async closeAll(): Promise<void> {
    const inFlight = [...this.servers.values()].flat().flatMap((server) => [...server.inFlight]);
    this.servers.clear();
    await Promise.allSettled(inFlight);
  }

  /** The next server of the service's queue group that has the operation, if any. */
  private pick(service: string, operation: string): Server | undefined {
    const servers = this.servers.get(service);
    if (servers === undefined) return undefined;
    if (servers.length === 1) return servers[0]!.operations.has(operation) ? servers[0] : undefined;
    const candidates = servers.filter((server) => server.operations.has(operation));
    if (candidates.length === 0) return undefined;
    const turn = this.turn.get(service) ?? 0;
    this.turn.set(service, turn + 1);
    return candidates[turn % candidates.length];
  }

  /**
   * Runs `dispatch` on a later tick, like a message off the wire (the handler never runs inside the
   * caller's stack), counts it in flight for `close`, and gives up on it after `timeoutMs`.
   */
  private track<T>(
    server: Server,
    timeoutMs: number,
    service: string,
    operation: string,
    dispatch: () => Promise<T>,
  ): Promise<T> {
    const work = Promise.resolve().then(dispatch);
    server.inFlight.add(work);
    return new Promise<T>((resolve, reject) => {
      const timeout = this.timeouts.start(timeoutMs, () =>
        reject(new BusError(`No reply from ${rpcSubject(service, operation)} within ${timeoutMs} ms`, 'TIMEOUT')),
      );
      work.then(
        (value) => {
          server.inFlight.delete(work);
          this.timeouts.done(timeout);
          resolve(value);
        },
        (error: unknown) => {
          server.inFlight.delete(work);
          this.timeouts.done(timeout);
          reject(error);
        },
      );
    });
  }
}

function noResponders(service: string, operation: string): BusError {
  return new BusError(`No service answers ${rpcSubject(service, operation)}`, 'SERVICE_UNAVAILABLE');
}

/**
 * The active context's trace headers, as the caller's propagator would inject them into a message (none
 * without a registered propagator or an active span): they win over the request context's own.
 */
function activeTraceHeaders(): TraceHeaders {
  const carrier: Record<string, string> = {};
  injectTraceContext(carrier, recordSetter);
  return carrier;
}
