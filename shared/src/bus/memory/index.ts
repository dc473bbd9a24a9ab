export { createMemoryBus, type MemoryBusOptions } from './bus.js';
export { createPersistentMemoryBus, type PersistentMemoryBusOptions } from './persistent-bus.js';
export { BusLogInUseError } from './postgres/lease.js';
