/**
 * A tiny HTTP endpoint for a service running in its own process (the gateway has its own): Kubernetes
 * probes it. `/health` answers while the process runs; `/ready` only when the bus and PostgreSQL
 * answer, and 503 from the moment shutdown starts, so the pod is taken out of rotation first.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Bus } from '@cairn/shared/bus';
import { failure, success } from '@cairn/shared/http';
import type pg from 'pg';

export interface HealthServer {
  /** /ready answers 503 from now on. */
  markStopping(): void;
  close(): Promise<void>;
}

export interface HealthChecks {
  readonly bus: Pick<Bus, 'ping'>;
  readonly pool?: Pick<pg.Pool, 'query'>;
  readonly timeoutMs?: number;
}

export async function startHealthServer(port: number, host: string, checks: HealthChecks): Promise<HealthServer> {
  let stopping = false;
  const timeoutMs = checks.timeoutMs ?? 1_000;
  const server: Server = createServer((req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown) => {
      res
        .writeHead(status, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          'x-request-id': requestId,
        })
        .end(JSON.stringify(body));
    };
    const notReady = (failing: string[]) =>
      reply(503, failure('SERVICE_UNAVAILABLE', `Not ready: ${failing.join(', ')}`, requestId, { failing }));
    if (req.method !== 'GET') return reply(404, failure('NOT_FOUND', 'Not found', requestId));
    if (req.url === '/health') return reply(200, { success: true, message: 'ok', requestId });
    if (req.url !== '/ready') return reply(404, failure('NOT_FOUND', 'Not found', requestId));
    if (stopping) return notReady(['shutting down']);
    void readiness(checks, timeoutMs).then((failing) =>
      failing.length === 0 ? reply(200, success({ status: 'ready' }, requestId)) : notReady(failing),
    );
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => resolveListen());
  });
  return {
    markStopping() {
      stopping = true;
    },
    close: () =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

async function readiness(checks: HealthChecks, timeoutMs: number): Promise<string[]> {
  const probes: Array<[string, () => Promise<unknown>]> = [['bus', () => checks.bus.ping()]];
  if (checks.pool) probes.push(['postgres', () => checks.pool!.query('SELECT 1')]);
  const results = await Promise.all(
    probes.map(async ([name, probe]) => ((await withTimeout(probe(), timeoutMs)) ? undefined : name)),
  );
  return results.filter((name): name is string => name !== undefined);
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
