export * from './nats.js';
export * from './postgres.js';
export * from './websocket.js';
export * from './decider-spec.js';
