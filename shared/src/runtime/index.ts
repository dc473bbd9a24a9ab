// Telemetry start-up belongs to a process's start-up, so entry points find it here too.
export { type StopTelemetry, startTelemetry, telemetryStatus } from '../telemetry/sdk.js';
export * from './command.js';
export * from './concurrency.js';
export * from './embedded-postgres.js';
export * from './infrastructure.js';
export * from './net.js';
export * from './operation.js';
export * from './service.js';
export * from './signals.js';
