/**
 * The WebSocket hub: authenticates sockets, routes client messages to registered handlers, delivers
 * per-user notifications from the bus, and enforces heartbeat, idle timeout and revocation.
 *
 * Delivery: the first socket of a user at this gateway subscribes to `cairn.notify.user.<id>`; the
 * last one to close unsubscribes (a refcount per user). A notification's JSON goes out as-is to every
 * socket of that user here; other replicas deliver to their own sockets from the same subject.
 *
 * Later features add message types with `register('chat', { schema, handle })`.
 */
import type { Bus, Closeable } from '@cairn/shared/bus';
import { type AuthenticatedActor, userNotificationSubject } from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import type { Logger } from '@cairn/shared/logging';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import type { RevokedSessions } from '../auth/revoked-sessions.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import { WsConnection, type WsSession } from './connection.js';
import {
  authMessageSchema,
  type ClientMessage,
  CloseCode,
  describeIssues,
  errorMessage,
  parseClientMessage,
  pingMessageSchema,
} from './protocol.js';

export interface WsMessageHandler<T = unknown> {
  /** Validates the whole client message (its `type` included). */
  readonly schema: z.ZodType<T>;
  handle(message: T, session: WsSession): void | Promise<void>;
}

export interface WsHubOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly verifier: TokenVerifier;
  readonly revocations: RevokedSessions;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly authTimeoutMs: number;
  readonly rpcTimeoutMs: number;
}

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,200}$/;

/** A message the socket could not have sent legitimately while its token was being checked. */
const MAX_BACKLOG = 16;

interface UserSubscription {
  readonly subscription: Closeable;
  /** Settles once the bus has surely registered the subscription (a round trip after subscribing). */
  readonly ready: Promise<void>;
}

export class WsHub {
  private readonly connections = new Set<WsConnection>();
  private readonly byUser = new Map<string, Set<WsConnection>>();
  private readonly bySession = new Map<string, Set<WsConnection>>();
  private readonly userSubscriptions = new Map<string, UserSubscription>();
  private readonly handlers = new Map<string, WsMessageHandler<any>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private stopWatchingRevocations: (() => void) | undefined;
  private closing = false;
  /** Resolved when the last socket has closed (shutdown waits on it). */
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: WsHubOptions) {
    this.register('ping', { schema: pingMessageSchema, handle: (_message, session) => session.send({ type: 'pong' }) });
  }

  /** Adds a client message type. `auth` and `ping` are built in. */
  register<T>(type: string, handler: WsMessageHandler<T>): void {
    if (type === 'auth' || this.handlers.has(type)) throw new Error(`WebSocket message type "${type}" is taken`);
    this.handlers.set(type, handler);
  }

  start(): void {
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    this.stopWatchingRevocations = this.options.revocations.onRevoked((sessionId) => {
      for (const connection of this.bySession.get(sessionId) ?? []) {
        connection.send(errorMessage('UNAUTHORIZED', 'Session revoked'));
        connection.close(CloseCode.UNAUTHORIZED, 'session revoked');
      }
    });
  }

  get size(): number {
    return this.connections.size;
  }

  /** Sockets of a user at this gateway (presence and tests). */
  socketsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  accept(socket: WebSocket, queryToken: string | undefined, logger: FastifyBaseLogger): void {
    if (this.closing) {
      socket.close(CloseCode.SERVICE_RESTART, 'service restart');
      return;
    }
    const connection = new WsConnection(socket, this.options.bus, this.options.rpcTimeoutMs, logger);
    this.connections.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      this.onMessage(connection, isBinary ? undefined : data.toString());
    });
    socket.on('close', () => this.onClose(connection));
    if (queryToken === undefined) connection.awaitAuthentication(this.options.authTimeoutMs);
    else this.startAuthentication(connection, queryToken);
  }

  /** Closes every socket with `code`; sockets that do not finish the close handshake in time are cut. */
  async closeAll(code: number, reason: string, graceMs: number): Promise<void> {
    this.closing = true;
    if (this.connections.size === 0) return;
    const drained = new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
    });
    for (const connection of this.connections) connection.close(code, reason);
    const timer = setTimeout(() => {
      for (const connection of this.connections) connection.socket.terminate();
    }, graceMs);
    await drained;
    clearTimeout(timer);
  }

  /** Shutdown: sockets closed with 1012 (service restart), then the hub's bus subscriptions. */
  async stop(): Promise<void> {
    await this.closeAll(CloseCode.SERVICE_RESTART, 'service restart', 2_000);
    clearInterval(this.heartbeat);
    this.stopWatchingRevocations?.();
    const subscriptions = [...this.userSubscriptions.values()];
    this.userSubscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.subscription.close()));
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.logger.debug('no pong since the last heartbeat; terminating');
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  private onMessage(connection: WsConnection, text: string | undefined): void {
    if (connection.state === 'closed') return;
    if (text === undefined) {
      connection.send(errorMessage('VALIDATION_ERROR', 'Binary frames are not supported; send JSON text'));
      return;
    }
    if (connection.state === 'authenticating') {
      if (connection.backlog.length >= MAX_BACKLOG) connection.close(CloseCode.POLICY, 'too many messages before auth');
      else connection.backlog.push(text);
      return;
    }
    connection.touch();
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      connection.send(errorMessage('VALIDATION_ERROR', parsed.message));
      return;
    }
    const message = parsed.value;
    if (message.type === 'auth') {
      const auth = authMessageSchema.safeParse(message);
      if (!auth.success) connection.send(errorMessage('VALIDATION_ERROR', describeIssues(auth.error)));
      else this.startAuthentication(connection, auth.data.token);
      return;
    }
    if (connection.state !== 'open') {
      connection.send(errorMessage('UNAUTHORIZED', 'Authenticate first: {"type":"auth","token":"…"}'));
      connection.close(CloseCode.UNAUTHORIZED, 'authentication required');
      return;
    }
    this.dispatch(connection, message);
  }

  private dispatch(connection: WsConnection, message: ClientMessage): void {
    const handler = this.handlers.get(message.type);
    if (handler === undefined) {
      connection.send(errorMessage('VALIDATION_ERROR', `Unknown message type "${message.type}"`));
      return;
    }
    const checked = handler.schema.safeParse(message);
    if (!checked.success) {
      connection.send(errorMessage('VALIDATION_ERROR', describeIssues(checked.error)));
      return;
    }
    Promise.resolve()
      .then(() => handler.handle(checked.data, connection))
      .catch((error: unknown) => {
        if (error instanceof DomainError) {
          connection.send(errorMessage(error.code, error.message, { details: error.details }));
          return;
        }
        connection.logger.error({ err: error, type: message.type }, 'WebSocket handler failed');
        connection.send(errorMessage('INTERNAL_ERROR', 'Internal error'));
      });
  }

  private startAuthentication(connection: WsConnection, token: string): void {
    this.authenticate(connection, token).catch((error: unknown) => {
      connection.logger.error({ err: error }, 'WebSocket authentication failed');
      connection.close(CloseCode.INTERNAL_ERROR, 'internal error');
    });
  }

  private async authenticate(connection: WsConnection, token: string): Promise<void> {
    const previous = connection.authenticatedActor;
    if (previous === undefined) connection.state = 'authenticating';
    const outcome = await this.options.verifier.verify(token);
    if (connection.state === 'closed') return;
    if (outcome.kind !== 'user') {
      const unavailable = outcome.kind === 'refused' && outcome.code === 'SERVICE_UNAVAILABLE';
      const message = outcome.kind === 'refused' ? outcome.message : 'Token required';
      connection.send(errorMessage(unavailable ? 'SERVICE_UNAVAILABLE' : 'UNAUTHORIZED', message));
      connection.close(unavailable ? CloseCode.TRY_AGAIN_LATER : CloseCode.UNAUTHORIZED, message);
      return;
    }
    const { actor, expiresAtMs } = outcome;
    if (previous !== undefined && previous.id !== actor.id) {
      connection.send(errorMessage('UNAUTHORIZED', 'A socket belongs to one user'));
      connection.close(CloseCode.UNAUTHORIZED, 'user changed');
      return;
    }
    connection.bind(actor);
    this.index(connection, previous, actor);
    // Acknowledge only once notifications for this user are sure to flow.
    await this.userSubscriptions.get(actor.id)?.ready;
    if (connection.isClosed()) return;
    connection.opened(expiresAtMs, this.options.idleTimeoutMs);
    connection.send({ type: 'auth_ok', userId: actor.id });
    const backlog = connection.backlog.splice(0);
    for (const text of backlog) this.onMessage(connection, text);
  }

  /** Files the socket under its user and session; the first socket of a user subscribes to its notifications. */
  private index(connection: WsConnection, previous: AuthenticatedActor | undefined, actor: AuthenticatedActor): void {
    if (previous !== undefined) {
      this.removeFrom(this.bySession, previous.sessionId, connection);
    } else {
      let sockets = this.byUser.get(actor.id);
      if (sockets === undefined) {
        sockets = new Set();
        this.byUser.set(actor.id, sockets);
        this.subscribeUser(actor.id);
      }
      sockets.add(connection);
    }
    let sessionSockets = this.bySession.get(actor.sessionId);
    if (sessionSockets === undefined) {
      sessionSockets = new Set();
      this.bySession.set(actor.sessionId, sessionSockets);
    }
    sessionSockets.add(connection);
    // A revocation that landed while the token was being verified would otherwise be missed.
    if (this.options.revocations.isRevoked(actor.sessionId)) {
      connection.send(errorMessage('UNAUTHORIZED', 'Session revoked'));
      connection.close(CloseCode.UNAUTHORIZED, 'session revoked');
    }
  }

  private subscribeUser(userId: string): void {
    // A user id becomes one subject token; anything else (a dot, a wildcard) could widen the subscription
    // to other users' notifications, so such a user gets none (ids are UUIDs, so this is a bug guard).
    if (!SUBJECT_TOKEN.test(userId)) {
      this.options.logger.error({ userId }, 'user id is not a subject token; no notifications for this socket');
      return;
    }
    const subscription = this.options.bus.subscribe(userNotificationSubject(userId), (notification) => {
      for (const connection of this.byUser.get(userId) ?? []) connection.sendRaw(notification.data);
    });
    const ready = this.options.bus.ping().catch((error: unknown) => {
      this.options.logger.warn({ err: error, userId }, 'bus ping after subscribing failed');
    });
    this.userSubscriptions.set(userId, { subscription, ready });
  }

  private onClose(connection: WsConnection): void {
    const actor = connection.authenticatedActor;
    connection.disposed();
    this.connections.delete(connection);
    if (actor !== undefined) {
      this.removeFrom(this.bySession, actor.sessionId, connection);
      const emptied = this.removeFrom(this.byUser, actor.id, connection);
      if (emptied) {
        const entry = this.userSubscriptions.get(actor.id);
        this.userSubscriptions.delete(actor.id);
        entry?.subscription.close().catch((error: unknown) => {
          this.options.logger.warn({ err: error, userId: actor.id }, 'closing a notification subscription failed');
        });
      }
    }
    if (this.connections.size === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Removes one socket from an index; true when that emptied the key. */
  private removeFrom(index: Map<string, Set<WsConnection>>, key: string, connection: WsConnection): boolean {
    const sockets = index.get(key);
    if (sockets === undefined || !sockets.delete(connection)) return false;
    if (sockets.size > 0) return false;
    index.delete(key);
    return true;
  }
}
