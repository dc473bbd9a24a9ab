/** The in-process bus against the Bus contract. No I/O: everything stays in this process. */
import { createMemoryBus } from '../../src/bus/index.js';
import { busContract } from './contract.js';

busContract('in-process', async (logger) => {
  const bus = createMemoryBus({ logger });
  return {
    connect: async () => bus,
    dispose: () => bus.close(),
  };
});
