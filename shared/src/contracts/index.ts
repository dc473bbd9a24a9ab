export * from './accounts/index.js';
export * from './actor.js';
export * from './auth.js';
export * from './auth-events.js';
export * from './sync.js';
