/**
 * The account provider's settings from the environment. The token and usage URLs come together or
 * not at all: with neither, `refresh-token` and `check-status` answer 503 "account provider not
 * configured"; with only one, start-up fails, since half a provider is a typo, not a choice.
 * One provider configuration serves every account for now.
 */
import { ConfigError } from '@cairn/shared/config';
import { z } from 'zod';

/** Spread into the service's environment schema. */
export const accountProviderEnvShape = {
  /** OAuth2 token endpoint for the refresh-token grant. */
  CAIRN_ACCOUNT_PROVIDER_TOKEN_URL: z.url().optional(),
  /** Answers `{used, limit}` to a GET with the account's access token as Bearer. */
  CAIRN_ACCOUNT_PROVIDER_USAGE_URL: z.url().optional(),
  /** With a secret: sent as HTTP Basic; alone: sent as `client_id` in the form. */
  CAIRN_ACCOUNT_PROVIDER_CLIENT_ID: z.string().optional(),
  CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET: z.string().optional(),
  /** Per attempt. */
  CAIRN_ACCOUNT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** Attempts after the first, for timeouts, network errors, 408, 429 and 5xx only. */
  CAIRN_ACCOUNT_PROVIDER_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
};

const accountProviderEnvSchema = z.object(accountProviderEnvShape);
type AccountProviderEnv = z.infer<typeof accountProviderEnvSchema>;

export interface AccountProviderConfig {
  readonly tokenUrl: string;
  readonly usageUrl: string;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
}

/** Undefined when no provider is configured. */
export function accountProviderConfigOf(env: AccountProviderEnv): AccountProviderConfig | undefined {
  const tokenUrl = env.CAIRN_ACCOUNT_PROVIDER_TOKEN_URL;
  const usageUrl = env.CAIRN_ACCOUNT_PROVIDER_USAGE_URL;
  if (tokenUrl === undefined && usageUrl === undefined) return undefined;
  if (tokenUrl === undefined || usageUrl === undefined) {
    throw new ConfigError(
      'invalid configuration: CAIRN_ACCOUNT_PROVIDER_TOKEN_URL and CAIRN_ACCOUNT_PROVIDER_USAGE_URL are set together or not at all',
    );
  }
  if (env.CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET !== undefined && env.CAIRN_ACCOUNT_PROVIDER_CLIENT_ID === undefined) {
    throw new ConfigError(
      'invalid configuration: CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET needs CAIRN_ACCOUNT_PROVIDER_CLIENT_ID',
    );
  }
  return {
    tokenUrl,
    usageUrl,
    clientId: env.CAIRN_ACCOUNT_PROVIDER_CLIENT_ID,
    clientSecret: env.CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET,
    timeoutMs: env.CAIRN_ACCOUNT_PROVIDER_TIMEOUT_MS,
    retries: env.CAIRN_ACCOUNT_PROVIDER_RETRIES,
  };
}
