/**
 * Rebuilding one projection of one service: the read model is replayed from the event store into new
 * tables beside the live ones, then swapped in (shared/src/projections/rebuild.ts). The live projection
 * keeps serving meanwhile, and nothing it triggers runs again.
 */
import type { Logger } from '@cairn/shared/logging';
import type { Projection } from '@cairn/shared/projections';
import { type RebuildResult, rebuildProjection } from '@cairn/shared/projections';
import { createInfrastructure } from '@cairn/shared/runtime';
import { type CustomRebuild, isServiceName, SERVICE_NAMES, SERVICES } from './services.js';

export type ServiceRebuildResult =
  | ({ readonly kind: 'projection' } & RebuildResult)
  | { readonly kind: 'custom'; readonly summary: Readonly<Record<string, number>> };

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
}

export async function rebuildServiceProjection(
  env: NodeJS.ProcessEnv,
  service: string,
  projectionName: string,
  logger: Logger,
): Promise<ServiceRebuildResult> {
  if (!isServiceName(service)) {
    throw new UnknownProjectionError(`unknown service ${service}; one of: ${SERVICE_NAMES.join(', ')}`);
  }
  const entry = SERVICES[service];
  const projections = await entry.loadProjections();
  const projection = projections.find((p) => p.name === projectionName);
  const rebuilds: readonly CustomRebuild[] = 'loadRebuilds' in entry ? await entry.loadRebuilds() : [];
  const custom = rebuilds.find((r) => r.name === projectionName);
  if (!projection && !custom) {
    const known = [...projections.map((p) => p.name), ...rebuilds.map((r) => r.name)].join(', ');
    throw new UnknownProjectionError(`service ${service} has no projection ${projectionName}; it has: ${known}`);
  }
  // Only the database matters here; the bus stays in-process so the command never joins the services' traffic,
  // and transient so it leaves the running platform's events log alone.
  const infrastructure = await createInfrastructure(
    { ...env, NATS_URL: '' },
    { logger, name: 'cairn-rebuild', transientBus: true },
  );
  try {
    if (custom) return { kind: 'custom', summary: await custom.run(infrastructure.pool, logger) };
    const result = await rebuildProjection({
      pool: infrastructure.pool,
      schema: entry.schema,
      store: infrastructure.storeFor(entry.schema),
      projection: projection as Projection,
    });
    return { kind: 'projection', ...result };
  } finally {
    await infrastructure.close();
  }
}
