/**
 * `npm start`: the whole platform in one process (see platform.ts). With nothing configured it runs
 * embedded: PostgreSQL in CAIRN_DATA_DIR and the in-process bus. Stops gracefully on SIGTERM/SIGINT.
 */
import { createLogger } from '@cairn/shared/logging';
import { runUntilSignalled, startTelemetry } from '@cairn/shared/runtime';
import { startPlatform } from './platform.js';

const stopTelemetry = await startTelemetry('cairn');
const logger = createLogger({ name: 'cairn', level: process.env.LOG_LEVEL || 'info' });

const starting = startPlatform({ env: process.env, logger });
// Listening from the start: a Ctrl-C during start-up waits for it to finish, then stops cleanly,
// rather than leaving the embedded database running.
runUntilSignalled(
  async () => {
    const platform = await starting.catch(() => undefined);
    await platform?.stop();
    await stopTelemetry();
  },
  { logger },
);

try {
  const platform = await starting;
  const { infrastructure } = platform;
  logger.info(
    { mode: infrastructure.mode, database: infrastructure.database, bus: infrastructure.busInfo, url: platform.url },
    `Cairn is running (${infrastructure.mode}: ${infrastructure.describe()}) at ${platform.url}`,
  );
} catch (error) {
  logger.fatal({ err: error }, `Cairn could not start: ${(error as Error).message}`);
  await stopTelemetry();
  process.exit(1);
}
