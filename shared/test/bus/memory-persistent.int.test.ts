/**
 * The in-process bus with its events log in PostgreSQL (embedded mode, see persistent-bus.ts) against
 * the Bus contract: storing the log must not change what the bus does. Restarts: memory-persistent-restart.int.test.ts.
 */
import { createPersistentMemoryBus } from '../../src/bus/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { busContract } from './contract.js';

busContract('in-process, log in PostgreSQL', async (logger) => {
  const db = await createTestDatabase();
  const bus = await createPersistentMemoryBus({ logger, pool: db.pool(), schema: 'bus' });
  return {
    connect: async () => bus,
    async dispose() {
      await bus.close();
      await db.drop();
    },
  };
});
