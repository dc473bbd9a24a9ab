/**
 * How a service is composed. Each service package exports `start<Name>Service(deps)`; the platform
 * runner builds the deps once (embedded or distributed) and starts every service with them, and a
 * service's own `main.ts` does the same for one service in its own process.
 */
import type { Pool } from 'pg';
import type { Bus } from '../bus/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logging/index.js';

export interface ServiceDeps {
  /** Pool on the platform database; the service keeps its tables in its own schema (`auth`, …). */
  readonly pool: Pool;
  /** Event store bound to the service's own schema (or its EventStoreDB stream prefix). */
  readonly store: EventStore;
  readonly bus: Bus;
  readonly logger: Logger;
  /** The raw environment; each service parses the keys it needs with its own zod schema. */
  readonly env: NodeJS.ProcessEnv;
}

export interface RunningService {
  readonly name: string;
  /** Stops serving requests, lets in-flight work finish, stops projections and relays. */
  stop(): Promise<void>;
}

export type ServiceStarter = (deps: ServiceDeps) => Promise<RunningService>;
