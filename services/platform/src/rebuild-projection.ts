/**
 * The rebuild command:
 *
 *   npm run projections:rebuild -- <service> <projection>      e.g. auth auth-users
 *
 * Runs against DATABASE_URL (beside a running platform), or against the embedded data folder when the
 * platform is stopped (embedded PostgreSQL admits one process at a time).
 */

import { positionToString } from '@cairn/shared/eventstore';
import { createLogger } from '@cairn/shared/logging';
import { rebuildServiceProjection, UnknownProjectionError } from './rebuild.js';

const [service, projection] = process.argv.slice(2);
const logger = createLogger({ name: 'rebuild', level: process.env.LOG_LEVEL || 'info' });

if (!service || !projection) {
  console.error('usage: npm run projections:rebuild -- <service> <projection>   (e.g. auth auth-users)');
  process.exit(2);
}
try {
  const result = await rebuildServiceProjection(process.env, service, projection, logger);
  if (result.kind === 'custom') logger.info({ service, projection, ...result.summary }, 'rebuilt in place');
  else {
    logger.info(
      { service, projection, events: result.events, position: positionToString(result.position) },
      'projection rebuilt and swapped in',
    );
  }
} catch (error) {
  if (error instanceof UnknownProjectionError) {
    console.error(error.message);
    process.exit(2);
  }
  logger.error({ err: error }, 'rebuild failed');
  process.exit(1);
}
