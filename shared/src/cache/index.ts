export { AggregateCache, type AggregateCacheOptions } from './aggregate-cache.js';
export { type LogFollower, type LogFollowerOptions, startLogFollower } from './log-follower.js';
