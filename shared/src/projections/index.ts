export {
  CheckpointMovedError,
  checkpointsDdl,
  checkpointsTable,
  ensureCheckpoint,
  loadCheckpoint,
  START,
  saveCheckpoint,
} from './checkpoints.js';
export { type FollowerStep, type FollowerTiming, LogFollower, type LogFollowerOptions, type Page } from './follower.js';
export { type Lease, tryAcquireLease } from './lock.js';
export { followerMetrics, registeredMetric } from './metrics.js';
export * from './port.js';
export { createReadModels, type ReadModels, type ReadModelsOptions } from './read-models.js';
export { type RebuildOptions, type RebuildResult, rebuildProjection } from './rebuild.js';
export { ProjectionRunner, type ProjectionRunnerOptions, RELAY_CHECKPOINT } from './runner.js';
export { storedJsonTrigger } from './stored-json.js';
export { REBUILD_SUFFIX } from './tables.js';
export { initialiseSchema, waitForCheckpoint } from './wait.js';
