/**
 * Sessions whose access tokens must be refused although their signatures are valid. Access tokens are
 * stateless, so every replica keeps its own set: loaded from auth at start, kept current by the
 * revocation notifications, and re-read periodically to heal notifications lost during a disconnect
 * (the bus port exposes no reconnect event). Entries leave the set once their tokens have expired.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, Closeable } from '@cairn/shared/bus';
import {
  AUTH_SERVICE,
  revokedSessionsResultSchema,
  SESSION_REVOKED_SUBJECT,
  sessionRevokedNotificationSchema,
} from '@cairn/shared/contracts';
import type { Logger } from '@cairn/shared/logging';

const decoder = new TextDecoder();

export interface RevokedSessionsOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly refreshMs: number;
  readonly timeoutMs: number;
}

export class RevokedSessions {
  /** sessionId → expiry (ms) of the last access token the session could have been issued. */
  private readonly revoked = new Map<string, number>();
  private readonly listeners = new Set<(sessionId: string) => void>();
  private subscription: Closeable | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  /** True once the list has been read from auth at least once; until then no token is accepted. */
  loaded = false;

  constructor(private readonly options: RevokedSessionsOptions) {}

  /** Subscribe first, then load, so a revocation published in between is not missed. */
  start(): void {
    this.subscription = this.options.bus.subscribe(SESSION_REVOKED_SUBJECT, (notification) => {
      this.onNotification(notification.data);
    });
    this.ensureLoaded().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'revoked sessions not loaded yet; retrying on demand and periodically');
    });
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'refreshing revoked sessions failed');
      });
    }, this.options.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.subscription?.close();
    this.subscription = undefined;
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  /** Called with the session id of every newly revoked session (the WebSocket hub closes its sockets). */
  onRevoked(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the list has been read; concurrent callers share one request. */
  ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.refresh().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  async refresh(): Promise<void> {
    const reply = await this.options.bus.request(
      AUTH_SERVICE,
      'revokedSessions',
      {},
      { context: { requestId: randomUUID() }, timeoutMs: this.options.timeoutMs },
    );
    if (!reply.ok) throw new Error(`auth.revokedSessions failed: ${reply.error.code} ${reply.error.message}`);
    const { sessions } = revokedSessionsResultSchema.parse(reply.data);
    for (const session of sessions) this.add(session.sessionId, session.expiresAt);
    this.loaded = true;
    this.prune(Date.now());
  }

  add(sessionId: string, expiresAt: number): void {
    const known = this.revoked.get(sessionId);
    this.revoked.set(sessionId, Math.max(known ?? 0, expiresAt));
    if (known !== undefined) return;
    for (const listener of this.listeners) {
      try {
        listener(sessionId);
      } catch (error) {
        this.options.logger.error({ err: error, sessionId }, 'session revocation listener failed');
      }
    }
  }

  get size(): number {
    return this.revoked.size;
  }

  private prune(now: number): void {
    for (const [sessionId, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(sessionId);
  }

  private onNotification(data: Uint8Array): void {
    let parsed: ReturnType<typeof sessionRevokedNotificationSchema.safeParse>;
    try {
      parsed = sessionRevokedNotificationSchema.safeParse(JSON.parse(decoder.decode(data)));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'malformed session revocation notification');
      return;
    }
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues }, 'invalid session revocation notification');
      return;
    }
    this.add(parsed.data.sessionId, parsed.data.expiresAt);
  }
}
