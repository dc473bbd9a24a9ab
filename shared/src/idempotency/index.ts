export * from './canonical.js';
export * from './store.js';
