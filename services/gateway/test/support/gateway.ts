/** Starting a gateway for a test, and talking to it over real HTTP and WebSocket. */
import { createLogger } from '@cairn/shared/logging';
import { openTestSocket, type TestSocket, wsUrl } from '@cairn/shared/testing';
import { createGateway, type Gateway, type GatewayOptions, loadGatewayConfig } from '../../src/index.js';

/** Quiet unless TEST_LOG_LEVEL asks otherwise. */
export const testLogger = createLogger({ name: 'gateway-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/**
 * A gateway with test settings: the limiter off unless a test turns it on, everything else as in
 * production unless `env` says otherwise.
 */
export function startGateway(
  bus: GatewayOptions['bus'],
  env: Record<string, string> = {},
  extra: Partial<GatewayOptions> = {},
): Promise<Gateway> {
  const config = loadGatewayConfig({ RATE_LIMIT_MAX: '0', ...env });
  return createGateway({ bus, logger: testLogger, config, ...extra });
}

/** Listens on 127.0.0.1 with a random port; resolves with the base URL. */
export async function listen(gateway: Gateway): Promise<string> {
  return gateway.listen(0, '127.0.0.1');
}

export type { TestSocket } from '@cairn/shared/testing';

export function openSocket(baseUrl: string, path = '/ws', options: { autoPong?: boolean } = {}): Promise<TestSocket> {
  return openTestSocket(wsUrl(baseUrl, path), options);
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
