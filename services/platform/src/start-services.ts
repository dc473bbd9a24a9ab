import type { Logger } from '@cairn/shared/logging';
import type { Infrastructure, RunningService } from '@cairn/shared/runtime';
import { SERVICES, type ServiceName } from './services.js';

/**
 * Starts the named services on the given infrastructure, in order. If one fails, those already started
 * are stopped again before the error is rethrown, so a failed start leaves nothing running.
 */
export async function startServices(
  infrastructure: Infrastructure,
  names: readonly ServiceName[],
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<RunningService[]> {
  const running: RunningService[] = [];
  try {
    for (const name of names) {
      const entry = SERVICES[name];
      const start = await entry.load();
      const store = infrastructure.storeFor(entry.schema);
      await store.init();
      running.push(
        await start({
          pool: infrastructure.pool,
          store,
          bus: infrastructure.bus,
          logger: logger.child({ service: name }),
          env,
        }),
      );
    }
    return running;
  } catch (error) {
    await stopServices(running, logger);
    throw error;
  }
}

/** Stops services in reverse start order; one failing to stop does not keep the others running. */
export async function stopServices(running: readonly RunningService[], logger: Logger): Promise<void> {
  for (const service of [...running].reverse()) {
    try {
      await service.stop();
    } catch (error) {
      logger.error({ err: error, service: service.name }, 'service did not stop cleanly');
    }
  }
}
