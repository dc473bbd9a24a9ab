/**
 * The account provider's configuration: both URLs or neither (neither means refresh-token and
 * check-status answer 503), the timeout and retry defaults, and the client credentials.
 */
import { ConfigError } from '@cairn/shared/config';
import { DomainError } from '@cairn/shared/http';
import { describe, expect, it } from 'vitest';
import { loadAccountsConfig } from '../src/config.js';
import { accountProviderFromConfig, providerNotConfigured } from '../src/provider/index.js';

const URLS = {
  CAIRN_ACCOUNT_PROVIDER_TOKEN_URL: 'https://provider.example/oauth/token',
  CAIRN_ACCOUNT_PROVIDER_USAGE_URL: 'https://provider.example/v1/usage',
};

describe('account provider configuration', () => {
  it('is absent without URLs, and then no provider is built', () => {
    const config = loadAccountsConfig({});
    expect(config.accountProvider).toBeUndefined();
    expect(accountProviderFromConfig(config.accountProvider)).toBeUndefined();
  });

  it('takes both URLs with a 5 s timeout and 2 retries by default', () => {
    expect(loadAccountsConfig(URLS).accountProvider).toEqual({
      tokenUrl: URLS.CAIRN_ACCOUNT_PROVIDER_TOKEN_URL,
      usageUrl: URLS.CAIRN_ACCOUNT_PROVIDER_USAGE_URL,
      clientId: undefined,
      clientSecret: undefined,
      timeoutMs: 5000,
      retries: 2,
    });
    expect(accountProviderFromConfig(loadAccountsConfig(URLS).accountProvider)).toBeDefined();
  });

  it('reads the client credentials, timeout and retries', () => {
    const config = loadAccountsConfig({
      ...URLS,
      CAIRN_ACCOUNT_PROVIDER_CLIENT_ID: 'cairn',
      CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET: 'shh',
      CAIRN_ACCOUNT_PROVIDER_TIMEOUT_MS: '1500',
      CAIRN_ACCOUNT_PROVIDER_RETRIES: '0',
    });
    expect(config.accountProvider).toMatchObject({
      clientId: 'cairn',
      clientSecret: 'shh',
      timeoutMs: 1500,
      retries: 0,
    });
  });

  it('refuses half a provider, a secret without a client id, and a bad URL', () => {
    expect(() =>
      loadAccountsConfig({ CAIRN_ACCOUNT_PROVIDER_TOKEN_URL: URLS.CAIRN_ACCOUNT_PROVIDER_TOKEN_URL }),
    ).toThrow(ConfigError);
    expect(() => loadAccountsConfig({ ...URLS, CAIRN_ACCOUNT_PROVIDER_CLIENT_SECRET: 'shh' })).toThrow(ConfigError);
    expect(() => loadAccountsConfig({ ...URLS, CAIRN_ACCOUNT_PROVIDER_USAGE_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => loadAccountsConfig({ ...URLS, CAIRN_ACCOUNT_PROVIDER_RETRIES: '-1' })).toThrow(ConfigError);
  });

  it('answers an unconfigured provider with 503 SERVICE_UNAVAILABLE', () => {
    const error = providerNotConfigured();
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'account provider not configured' });
  });
});
