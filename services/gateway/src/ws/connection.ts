/** One client socket: its state (pending → authenticating → open), timers, and what handlers may do with it. */
import { randomUUID } from 'node:crypto';
import type { Bus, RpcReply } from '@cairn/shared/bus';
import type { AuthenticatedActor } from '@cairn/shared/contracts';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket } from 'ws';
import type { ServerMessage } from './protocol.js';

/** The API a message handler gets: the authenticated caller, a way to answer, and the bus. */
export interface WsSession {
  readonly id: string;
  readonly actor: AuthenticatedActor;
  readonly logger: FastifyBaseLogger;
  send(message: ServerMessage): void;
  /** An RPC on behalf of this socket's user, with a fresh request id and the socket's actor. */
  request<Res = unknown>(
    service: string,
    operation: string,
    payload: unknown,
    options?: { readonly timeoutMs?: number; readonly idempotencyKey?: string },
  ): Promise<RpcReply<Res>>;
  close(code: number, reason: string): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class WsConnection implements WsSession {
  readonly id = randomUUID();
  state: 'pending' | 'authenticating' | 'open' | 'closed' = 'pending';
  /** Set once authenticated; a socket belongs to one user for its whole life. */
  private currentActor: AuthenticatedActor | undefined;
  /** Answered a protocol ping since the last heartbeat. */
  alive = true;
  /** Messages that arrived while a `?token=` was being verified, replayed once it is. */
  readonly backlog: string[] = [];
  readonly logger: FastifyBaseLogger;
  private authTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: WebSocket,
    private readonly bus: Bus,
    private readonly rpcTimeoutMs: number,
    logger: FastifyBaseLogger,
  ) {
    this.logger = logger.child({ socketId: this.id });
  }

  isClosed(): boolean {
    return this.state === 'closed';
  }

  get actor(): AuthenticatedActor {
    if (this.currentActor === undefined) throw new Error('socket is not authenticated');
    return this.currentActor;
  }

  get authenticatedActor(): AuthenticatedActor | undefined {
    return this.currentActor;
  }

  /** The verified user, recorded before anything else so cleanup on close always finds it. */
  bind(actor: AuthenticatedActor): void {
    this.currentActor = actor;
  }

  /** Authentication (or re-authentication) completed: messages flow, and the token's expiry is watched. */
  opened(expiresAtMs: number, idleTimeoutMs: number): void {
    this.state = 'open';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    clearTimeout(this.expiryTimer);
    // A token that expires closes its socket; the client reconnects (or re-sends `auth`) with a fresh one.
    this.expiryTimer = setTimeout(
      () => this.close(4401, 'access token expired'),
      Math.min(Math.max(0, expiresAtMs - Date.now()), MAX_TIMER_MS),
    );
    if (this.idleTimer === undefined) {
      this.idleTimer = setTimeout(() => this.close(1001, 'idle timeout'), idleTimeoutMs);
    }
  }

  /** Starts the window in which a socket without `?token=` must send `{"type":"auth"}`. */
  awaitAuthentication(timeoutMs: number): void {
    this.authTimer = setTimeout(() => this.close(4401, 'authentication timeout'), timeoutMs);
  }

  /** A client message arrived: the idle clock starts again. */
  touch(): void {
    this.idleTimer?.refresh();
  }

  send(message: ServerMessage): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** A notification's bytes, already JSON, forwarded as a text frame. */
  sendRaw(data: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(data, { binary: false });
  }

  request<Res = unknown>(
    service: string,
    operation: string,
    payload: unknown,
    options: { readonly timeoutMs?: number; readonly idempotencyKey?: string } = {},
  ): Promise<RpcReply<Res>> {
    const timeoutMs = options.timeoutMs ?? this.rpcTimeoutMs;
    return this.bus.request<Res>(service, operation, payload, {
      timeoutMs,
      context: {
        requestId: randomUUID(),
        actor: this.actor,
        deadline: Date.now() + timeoutMs,
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      },
    });
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.CLOSING || this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close(code, reason);
  }

  /** Called once the socket has closed, whatever closed it. */
  disposed(): void {
    this.state = 'closed';
    clearTimeout(this.authTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.expiryTimer);
    this.backlog.length = 0;
  }
}
