/**
 * One service (or the gateway) alone in its own process, meeting the others on NATS:
 *
 *   npx tsx services/platform/src/run-service.ts <auth|…|gateway>
 *
 * This is what each Kubernetes Deployment runs. It needs NATS_URL (an in-process bus cannot reach other
 * processes) and, for a service, DATABASE_URL (processes cannot share one embedded PostgreSQL folder).
 */
import type { AddressInfo } from 'node:net';
import { createGateway, loadGatewayConfig } from '@cairn/gateway';
import { loadConfig } from '@cairn/shared/config';
import { createLogger, type Logger } from '@cairn/shared/logging';
import {
  createBus,
  createInfrastructure,
  infrastructureConfigSchema,
  runUntilSignalled,
  startTelemetry,
} from '@cairn/shared/runtime';
import { z } from 'zod';
import { startHealthServer } from './health-server.js';
import { httpUrl } from './platform.js';
import { isServiceName, SERVICE_NAMES, type ServiceName } from './services.js';
import { startServices, stopServices } from './start-services.js';

/** Set (Kubernetes does) to serve /health and /ready for a service process on this port. */
const healthConfigSchema = z.object({ HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional() });

const name = process.argv[2] ?? '';
const known = [...SERVICE_NAMES, 'gateway'];
if (name !== 'gateway' && !isServiceName(name)) {
  console.error(`usage: run-service.ts <${known.join('|')}>${name ? ` (unknown: ${name})` : ''}`);
  process.exit(2);
}

const stopTelemetry = await startTelemetry(`cairn-${name}`);
const logger = createLogger({ name, level: process.env.LOG_LEVEL || 'info' });

const starting = (async () => {
  const config = loadConfig(infrastructureConfigSchema, process.env);
  if (!config.NATS_URL) {
    throw new Error(
      'NATS_URL is required to run one service per process: an in-process bus cannot reach the other ' +
        'processes. Set NATS_URL, or run everything in one process with `npm start`.',
    );
  }
  return name === 'gateway' ? runGateway(logger) : runService(name, logger);
})();
// Listening from the start: a signal during start-up waits for it to finish, then stops cleanly.
runUntilSignalled(
  async () => {
    const stop = await starting.catch(() => undefined);
    await stop?.();
    await stopTelemetry();
  },
  { logger },
);

try {
  await starting;
} catch (error) {
  logger.fatal({ err: error }, `${name} could not start: ${(error as Error).message}`);
  await stopTelemetry();
  process.exit(1);
}

async function runGateway(logger: Logger): Promise<() => Promise<void>> {
  const config = loadConfig(infrastructureConfigSchema, process.env);
  const gatewayConfig = loadGatewayConfig(process.env);
  const bus = await createBus(config, logger.child({ component: 'bus' }), 'cairn-gateway');
  try {
    const gateway = await createGateway({ bus, logger, config: gatewayConfig, services: SERVICE_NAMES });
    await gateway.listen(config.PORT, config.HOST);
    const url = httpUrl(gateway.app.server.address() as AddressInfo);
    logger.info({ url, bus: config.NATS_URL }, `gateway listening at ${url} (NATS at ${config.NATS_URL})`);
    return async () => {
      await gateway.close();
      await bus.close();
    };
  } catch (error) {
    await bus.close();
    throw error;
  }
}

async function runService(service: ServiceName, logger: Logger): Promise<() => Promise<void>> {
  if (!process.env.DATABASE_URL) {
    throw new Error(
      `DATABASE_URL is required to run ${service} in its own process: several processes cannot share one ` +
        'embedded PostgreSQL data folder.',
    );
  }
  const infrastructure = await createInfrastructure(process.env, {
    logger: logger.child({ component: 'infrastructure' }),
    name: `cairn-${service}`,
  });
  try {
    const running = await startServices(infrastructure, [service], process.env, logger);
    const healthPort = loadConfig(healthConfigSchema, process.env).HEALTH_PORT;
    const health =
      healthPort === undefined
        ? undefined
        : await startHealthServer(healthPort, process.env.HOST || '0.0.0.0', {
            bus: infrastructure.bus,
            pool: infrastructure.pool,
          });
    logger.info(
      `${service} is running (${infrastructure.describe()})${health ? `; probes on port ${healthPort}` : ''}`,
    );
    return async () => {
      health?.markStopping();
      await stopServices(running, logger);
      await infrastructure.close();
      await health?.close();
    };
  } catch (error) {
    await infrastructure.close();
    throw error;
  }
}
