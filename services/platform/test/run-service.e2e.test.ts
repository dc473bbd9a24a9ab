/**
 * One service per process, as Kubernetes runs them: `run-service.ts auth` and `run-service.ts gateway`
 * as child processes meeting on the real NATS server (under a subject prefix of their own, so other test
 * files on the same server never see their traffic) with a database of their own.
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '@cairn/shared/runtime';
import { createTestDatabase, dropTestStream, type TestDatabase } from '@cairn/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SERVICE_NAMES } from '../src/services.js';
import { type Run, startProcess as start, waitFor200 } from './support/processes.js';

describe.concurrent('run-service.ts refuses what cannot work', () => {
  it('names the choices for an unknown process', async () => {
    const run = start('nonsense', {});
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/usage: run-service\.ts <auth\|.*gateway> \(unknown: nonsense\)/);
  });

  it('needs NATS_URL: an in-process bus cannot reach other processes', async () => {
    const run = start('auth', { NATS_URL: '' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('NATS_URL is required to run one service per process');
  });

  it('needs DATABASE_URL for a service: processes cannot share one embedded PostgreSQL', async () => {
    const run = start('auth', { DATABASE_URL: '' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('DATABASE_URL is required to run auth in its own process');
  });
});

describe('every service and the gateway in separate processes on NATS', () => {
  let db: TestDatabase;
  const services = new Map<string, { run: Run; healthUrl: string }>();
  let gateway: Run;
  let gatewayUrl: string;
  const prefix = `t${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const shared = { DATABASE_URL: db.url, NATS_SUBJECT_PREFIX: prefix };
    for (const name of SERVICE_NAMES) {
      const healthPort = await freePort();
      services.set(name, {
        run: start(name, { ...shared, HEALTH_PORT: String(healthPort), HOST: '127.0.0.1' }),
        healthUrl: `http://127.0.0.1:${healthPort}`,
      });
    }
    const gatewayPort = await freePort();
    gateway = start('gateway', { ...shared, PORT: String(gatewayPort), HOST: '127.0.0.1' });
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  });
  afterAll(async () => {
    for (const run of [gateway, ...[...services.values()].map((s) => s.run)]) {
      if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    await db?.drop();
    // The stream the processes created for their prefix (see createBus in shared/src/runtime).
    await dropTestStream(`CAIRN_EVENTS_${prefix.toUpperCase()}`);
  });

  it('become ready: the gateway sees every service over NATS, each service sees NATS and PostgreSQL', async () => {
    for (const { run, healthUrl } of services.values()) await waitFor200(`${healthUrl}/ready`, run);
    await waitFor200(`${gatewayUrl}/ready`, gateway);
    const health = await fetch(`${services.get('auth')?.healthUrl}/health`);
    expect(await health.json()).toMatchObject({ success: true, message: 'ok' });
  });

  it('serve a request across the processes', async () => {
    const response = await fetch(`${gatewayUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'distributed-e2e', password: 'correct horse battery' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ success: true, data: { user: { username: 'distributed-e2e' } } });
  });

  it('stop gracefully on SIGTERM and exit 0', async () => {
    gateway.child.kill('SIGTERM');
    for (const { run } of services.values()) run.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    for (const { run } of services.values()) {
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('stopping gracefully');
      expect(run.output()).toContain('"msg":"stopped"');
    }
  });
});
