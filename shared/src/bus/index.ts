export { HEALTH_OPERATION } from './dispatch.js';
export {
  BusLogInUseError,
  createMemoryBus,
  createPersistentMemoryBus,
  type MemoryBusOptions,
  type PersistentMemoryBusOptions,
} from './memory/index.js';
export { createNatsBus, type NatsBusOptions } from './nats/index.js';
export * from './port.js';
export { EVENT_SUBJECT_FILTER, isEventSubject, matchesSubject } from './subjects.js';
