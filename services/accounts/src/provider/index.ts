/**
 * The account provider port and its HTTP adapter. Handlers depend on `AccountProvider` only; the
 * service builds one from its configuration with `accountProviderFromConfig` (undefined when none is
 * configured: the operation then throws `providerNotConfigured()`, a 503).
 */
import type { Logger } from '@cairn/shared/logging';
import type { AccountProviderConfig } from './config.js';
import { createHttpAccountProvider } from './http.js';
import type { AccountProvider } from './port.js';

export { type AccountProviderConfig, accountProviderConfigOf, accountProviderEnvShape } from './config.js';
export { createHttpAccountProvider, type HttpAccountProviderOptions } from './http.js';
export * from './port.js';

export function accountProviderFromConfig(
  config: AccountProviderConfig | undefined,
  logger?: Logger,
): AccountProvider | undefined {
  if (config === undefined) return undefined;
  return createHttpAccountProvider({ ...config, ...(logger ? { logger } : {}) });
}
