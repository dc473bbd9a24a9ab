import { z } from 'zod';

/**
 * Configuration comes from the environment only, validated with zod at start-up so a typo fails
 * loudly before anything listens. Services extend `platformConfigSchema` with their own keys.
 */
export const platformConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  /** Unset: embedded PostgreSQL under CAIRN_DATA_DIR. */
  DATABASE_URL: z.url().optional(),
  /** Unset: the in-process bus (all services in one process). */
  NATS_URL: z.string().optional(),
  /** Set: events go to EventStoreDB/KurrentDB instead of PostgreSQL (read models stay in PostgreSQL). */
  EVENTSTORE_URL: z.string().optional(),
  CAIRN_DATA_DIR: z.string().default('.cairn'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated origins allowed by CORS; empty allows none. */
  CORS_ORIGINS: z.string().default(''),
});

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parse `env` with `schema`; throws a `ConfigError` naming every bad variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "unset", as a shell `FOO=` would intend.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}
