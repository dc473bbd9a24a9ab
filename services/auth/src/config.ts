/** The auth service's configuration, parsed from the environment once at start-up. */
import { loadConfig } from '@cairn/shared/config';
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const authConfigSchema = z.object({
  /** log2 of scrypt's N. 15 in production (≈32 MiB per hash); tests use about 10. */
  CAIRN_PASSWORD_HASH_COST: z.coerce.number().int().min(4).max(20).default(15),
  CAIRN_ACCESS_TOKEN_TTL_SECONDS: seconds(900),
  CAIRN_REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 3600),
  CAIRN_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).default(10),
  CAIRN_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  CAIRN_LOGIN_FAILURE_WINDOW_SECONDS: seconds(900),
  CAIRN_ADMIN_USERNAME: z.string().optional(),
  CAIRN_ADMIN_PASSWORD: z.string().min(8).optional(),
  WECHAT_API_BASE: z.url().default('https://api.weixin.qq.com'),
  WECHAT_APP_ID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  /** Per attempt; a transport failure is retried once. */
  CAIRN_WECHAT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
});

export type AuthEnv = z.infer<typeof authConfigSchema>;

export interface AuthConfig {
  readonly passwordHashCost: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceMs: number;
  readonly loginMaxFailures: number;
  readonly loginFailureWindowSeconds: number;
  readonly admin: { readonly username: string; readonly password: string } | undefined;
  readonly wechat: {
    readonly apiBase: string;
    readonly appId: string | undefined;
    readonly appSecret: string | undefined;
    readonly timeoutMs: number;
  };
}

export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const e = loadConfig(authConfigSchema, env);
  return {
    passwordHashCost: e.CAIRN_PASSWORD_HASH_COST,
    accessTokenTtlSeconds: e.CAIRN_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.CAIRN_REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceMs: e.CAIRN_REFRESH_REUSE_GRACE_SECONDS * 1000,
    loginMaxFailures: e.CAIRN_LOGIN_MAX_FAILURES,
    loginFailureWindowSeconds: e.CAIRN_LOGIN_FAILURE_WINDOW_SECONDS,
    admin:
      e.CAIRN_ADMIN_USERNAME && e.CAIRN_ADMIN_PASSWORD
        ? { username: e.CAIRN_ADMIN_USERNAME, password: e.CAIRN_ADMIN_PASSWORD }
        : undefined,
    wechat: {
      apiBase: e.WECHAT_API_BASE.replace(/\/+$/, ''),
      appId: e.WECHAT_APP_ID,
      appSecret: e.WECHAT_APP_SECRET,
      timeoutMs: e.CAIRN_WECHAT_TIMEOUT_MS,
    },
  };
}
