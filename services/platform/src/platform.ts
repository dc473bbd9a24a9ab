/**
 * The whole platform in one process: infrastructure (embedded or external PostgreSQL, in-process bus
 * or NATS), every registered service, and the gateway. `npm start`, the end-to-end tests and the
 * benchmarks all start Cairn through here.
 */
import type { AddressInfo } from 'node:net';
import { createGateway, loadGatewayConfig } from '@cairn/gateway';
import { loadConfig, platformConfigSchema } from '@cairn/shared/config';
import type { Logger } from '@cairn/shared/logging';
import { createInfrastructure, type Infrastructure } from '@cairn/shared/runtime';
import { SERVICE_NAMES, type ServiceName } from './services.js';
import { startServices, stopServices } from './start-services.js';

export interface PlatformOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Default: every registered service. */
  readonly services?: readonly ServiceName[];
}

export interface Platform {
  readonly infrastructure: Infrastructure;
  /** Where the gateway listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Readiness 503 and the listener closed first, then the services, then the infrastructure. */
  stop(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { env, logger } = options;
  const config = loadConfig(platformConfigSchema, env);
  // Parsed before anything starts, so a bad gateway setting fails in a moment, not after the database.
  const gatewayConfig = loadGatewayConfig(env);
  const names = options.services ?? SERVICE_NAMES;

  const infrastructure = await createInfrastructure(env, { logger: logger.child({ component: 'infrastructure' }) });
  try {
    const services = await startServices(infrastructure, names, env, logger);
    try {
      const gateway = await createGateway({
        bus: infrastructure.bus,
        logger: logger.child({ service: 'gateway' }),
        config: gatewayConfig,
        services: names,
      });
      try {
        await gateway.listen(config.PORT, config.HOST);
      } catch (error) {
        await gateway.close();
        throw error;
      }
      const url = httpUrl(gateway.app.server.address() as AddressInfo);

      let stopping: Promise<void> | undefined;
      return {
        infrastructure,
        url,
        stop() {
          stopping ??= (async () => {
            try {
              await gateway.close();
            } catch (error) {
              logger.error({ err: error }, 'gateway did not close cleanly');
            }
            await stopServices(services, logger);
            await infrastructure.close();
          })();
          return stopping;
        },
      };
    } catch (error) {
      await stopServices(services, logger);
      throw error;
    }
  } catch (error) {
    await infrastructure.close();
    throw error;
  }
}

/** A URL a person can open: a wildcard listen address is reachable as localhost. */
export function httpUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
