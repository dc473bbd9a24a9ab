export * from './decider-spec.js';
export * from './nats.js';
export * from './postgres.js';
export * from './websocket.js';
