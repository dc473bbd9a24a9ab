/** The accounts service's configuration, parsed from the environment once at start-up. */
import { loadConfig } from '@cairn/shared/config';
import { z } from 'zod';

export const accountsConfigSchema = z.object({
  /** How long a write waits for its read model before answering anyway (ms). */
  CAIRN_READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
});

export type AccountsEnv = z.infer<typeof accountsConfigSchema>;

export interface AccountsConfig {
  readonly readYourWritesTimeoutMs: number;
}

export function loadAccountsConfig(env: NodeJS.ProcessEnv): AccountsConfig {
  const parsed = loadConfig(accountsConfigSchema, env);
  return {
    readYourWritesTimeoutMs: parsed.CAIRN_READ_YOUR_WRITES_TIMEOUT_MS,
  };
}
