/** The accounts service's configuration, parsed from the environment once at start-up. */
import { loadConfig } from '@cairn/shared/config';
import { z } from 'zod';
import { type AccountProviderConfig, accountProviderConfigOf, accountProviderEnvShape } from './provider/config.js';

export const accountsConfigSchema = z.object({
  /** How long a write waits for its read model before answering anyway (ms). */
  CAIRN_READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  // Account provider (refresh-token, check-status): CAIRN_ACCOUNT_PROVIDER_*, see provider/config.ts.
  ...accountProviderEnvShape,
  /**
   * Largest export document (bytes of JSON). An answer travels as one bus message (NATS' default
   * max_payload is 1 MiB) and should import back through the gateway's body limit (1 MiB by default),
   * so a larger export is refused with 413 rather than lost on the way.
   */
  CAIRN_ACCOUNTS_EXPORT_MAX_BYTES: z.coerce.number().int().positive().default(1_000_000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * Master key that wraps the accounts' credential data keys: base64 of 32 random bytes
   * (`openssl rand -base64 32`). Required in production; elsewhere a development key is made and kept
   * in the database, with a warning (see accounts/crypto/master-key.ts).
   */
  CAIRN_ACCOUNTS_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of exactly 32 bytes')
    .optional(),
});

export type AccountsEnv = z.infer<typeof accountsConfigSchema>;

export interface AccountsConfig {
  readonly readYourWritesTimeoutMs: number;
  /** Undefined when no provider is configured (see provider/config.ts). */
  readonly accountProvider: AccountProviderConfig | undefined;
  /** The largest export document, in bytes of JSON (CAIRN_ACCOUNTS_EXPORT_MAX_BYTES). */
  readonly exportMaxBytes: number;
  /** NODE_ENV=production: no development master key, ever. */
  readonly production: boolean;
  /** From CAIRN_ACCOUNTS_MASTER_KEY; undefined when unset. */
  readonly masterKey: Buffer | undefined;
}

export function loadAccountsConfig(env: NodeJS.ProcessEnv): AccountsConfig {
  const parsed = loadConfig(accountsConfigSchema, env);
  return {
    readYourWritesTimeoutMs: parsed.CAIRN_READ_YOUR_WRITES_TIMEOUT_MS,
    accountProvider: accountProviderConfigOf(parsed),
    exportMaxBytes: parsed.CAIRN_ACCOUNTS_EXPORT_MAX_BYTES,
    production: parsed.NODE_ENV === 'production',
    masterKey:
      parsed.CAIRN_ACCOUNTS_MASTER_KEY === undefined
        ? undefined
        : Buffer.from(parsed.CAIRN_ACCOUNTS_MASTER_KEY, 'base64'),
  };
}
