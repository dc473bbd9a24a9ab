/** The NATS adapter against the Bus contract, on the real server from setup-nats.ts. */
import type { Bus } from '../../src/bus/index.js';
import { createTestNatsBus, dropTestStream } from '../../src/testing/nats.js';
import { busContract } from './contract.js';

busContract('NATS', async (logger) => {
  const buses: Bus[] = [];
  return {
    async connect() {
      const bus = await createTestNatsBus({ logger });
      buses.push(bus);
      return bus;
    },
    async dispose() {
      await Promise.all(buses.map((bus) => bus.close()));
      await dropTestStream();
    },
  };
});
