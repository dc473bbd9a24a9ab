export * from './decider.js';
export * from './port.js';
export * from './postgres/index.js';
