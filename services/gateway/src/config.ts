import { loadConfig, platformConfigSchema } from '@cairn/shared/config';
import { z } from 'zod';

/** The gateway's own environment keys, on top of the platform's (PORT, HOST, LOG_LEVEL, CORS_ORIGINS…). */
export const gatewayConfigSchema = platformConfigSchema.extend({
  /** Largest accepted request body. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /**
   * Requests per user (or per IP when anonymous) per window. 0 turns the limiter off, which a load
   * benchmark from one user needs; the default is sized for real clients, not for one user at 8k req/s.
   */
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(1000),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  /** How long an HTTP request waits for a service's answer before 503. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** How long /ready waits for the bus and each service's `health` op. */
  READY_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
  /** Re-read the revoked-session list this often, to heal notifications lost while disconnected. */
  REVOCATION_REFRESH_MS: z.coerce.number().int().positive().default(30_000),
  /** Unknown `kid`s trigger a JWKS refetch at most this often (a stream of junk tokens cannot hammer auth). */
  JWKS_REFETCH_MIN_MS: z.coerce.number().int().min(0).default(5_000),
  /** Verified tokens kept in memory so the hot path skips signature checks. */
  TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  WS_HEARTBEAT_MS: z.coerce.number().int().positive().default(30_000),
  WS_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
  /** Time a socket without `?token=` has to send `{"type":"auth"}`. */
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  WS_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /**
   * Pause between "not ready" and closing the listener, so a load balancer sees /ready turn 503 and
   * stops routing here before connections are refused.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(0),
  /** In-flight requests get this long to finish; then the remaining connections are cut. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Trust `X-Forwarded-For` from this many proxy hops (0: use the socket address). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
  /**
   * Access log: `all` writes one line per request (info), `errors` only answers ≥ 400 (4xx at info, 5xx
   * at warn), `off` only 5xx. Every line costs a write on the hot path, hence the default.
   */
  ACCESS_LOG: z.enum(['all', 'errors', 'off']).default('errors'),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfig(gatewayConfigSchema, env);

export const corsOrigins = (config: GatewayConfig): string[] =>
  config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
