export { createMemoryBus, type MemoryBusOptions } from './bus.js';
