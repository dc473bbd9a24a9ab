/**
 * The read models as a service's handlers see them: where a projection's table is, and how to wait
 * until a write is visible in it (read your writes). Bounded: a stalled projection delays the answer,
 * never loses it, and is logged.
 */
import type { GlobalPosition } from '../eventstore/port.js';
import type { Logger } from '../logging/index.js';
import type { ProjectionRunner } from './runner.js';

export interface ReadModels {
  /** Qualified name of a projection's table (it may change when a projection is rebuilt). */
  table(projection: string, table: string): string;
  /**
   * Resolves once the projection has applied everything up to `position`, so the next read sees the
   * write just made. On timeout it resolves anyway (the write itself is safe) and logs a warning.
   */
  waitFor(projection: string, position: GlobalPosition | undefined): Promise<void>;
}

export interface ReadModelsOptions {
  readonly runner: ProjectionRunner;
  readonly schema: string;
  readonly logger: Logger;
  /** Well inside the gateway's RPC timeout (5 s). Default 2 s. */
  readonly timeoutMs?: number;
}

export function createReadModels({ runner, schema, logger, timeoutMs = 2_000 }: ReadModelsOptions): ReadModels {
  return {
    table: (_projection, table) => `"${schema}"."${table}"`,
    async waitFor(projection, position) {
      if (!position) return;
      const reached = await runner.waitForPosition(projection, position, timeoutMs);
      if (!reached) logger.warn({ projection }, 'read model did not catch up in time; answering anyway');
    },
  };
}
