/**
 * The whole platform in this process, through the gateway over HTTP: on the test server's PostgreSQL
 * (a database of its own) and the in-process bus, as `npm start` runs with DATABASE_URL set; and once
 * with nothing configured, on embedded PostgreSQL, as `npm start` runs on a fresh machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cairn/shared/logging';
import { freePort } from '@cairn/shared/runtime';
import { createTestDatabase, type TestDatabase } from '@cairn/shared/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../src/platform.js';

const logger = createLogger({ name: 'platform-e2e', level: 'silent' });

/** The same environment as `npm start`, minus the shell's NATS_URL: this test is about the one-process mode. */
function embeddedEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CAIRN_PASSWORD_HASH_COST: '10',
    ...extra,
  };
}

async function waitUntilReady(url: string): Promise<Response> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${url}/ready`);
    if (response.status === 200 || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the platform on DATABASE_URL with the in-process bus', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startPlatform({
      env: embeddedEnv({ DATABASE_URL: db.url, SHUTDOWN_DRAIN_MS: '300' }),
      logger,
    });
  });
  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  it('runs in embedded mode on the external database', () => {
    expect(platform.infrastructure.mode).toBe('embedded');
    expect(platform.infrastructure.database.kind).toBe('external');
    expect(platform.infrastructure.busInfo).toEqual({ kind: 'memory' });
    expect(platform.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers /health', async () => {
    const response = await fetch(`${platform.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(await response.json()).toMatchObject({ success: true, message: 'ok' });
  });

  it('answers /ready once the bus and every service answer', async () => {
    const response = await waitUntilReady(platform.url);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { success: boolean; data: { checks: Record<string, string> } };
    expect(body.success).toBe(true);
    expect(body.data.checks).toMatchObject({ bus: 'ok', 'service:auth': 'ok' });
  });

  it('serves the OpenAPI 3.1 document with the auth routes', async () => {
    const response = await fetch(`${platform.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/auth/me', '/health']));
  });

  it('serves a request end to end: register, then /api/auth/me with the token', async () => {
    const register = await fetch(`${platform.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'platform-e2e', password: 'correct horse battery' }),
    });
    expect(register.status).toBe(201);
    const { data } = (await register.json()) as { data: { accessToken: string } };
    const me = await fetch(`${platform.url}/api/auth/me`, { headers: { authorization: `Bearer ${data.accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ success: true, data: { username: 'platform-e2e' } });
  });

  // Last in this file: it stops the platform.
  it('shuts down gracefully: /ready turns 503 first, then the listener closes, then the pool ends', async () => {
    const stopping = platform.stop();
    // Within the drain window the gateway still answers, but no longer as ready.
    const during = await fetch(`${platform.url}/ready`);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ success: false, error: 'SERVICE_UNAVAILABLE' });
    await stopping;
    await expect(fetch(`${platform.url}/health`)).rejects.toThrow();
    expect(platform.infrastructure.pool.ended).toBe(true);
    // Stopping twice is harmless.
    await platform.stop();
  });
});

describe('the platform with nothing configured (embedded PostgreSQL)', () => {
  it('starts on an empty data folder, is ready, and stops its database on shutdown', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cairn-platform-e2e-'));
    try {
      const platform = await startPlatform({
        env: embeddedEnv({ CAIRN_DATA_DIR: dataDir, CAIRN_EMBEDDED_PG_PORT: String(await freePort()) }),
        logger,
      });
      let stopped = false;
      try {
        expect(platform.infrastructure.database).toMatchObject({ kind: 'embedded', initialised: true });
        expect(platform.infrastructure.describe()).toMatch(/^embedded PostgreSQL at .*; in-process bus$/);
        expect((await waitUntilReady(platform.url)).status).toBe(200);
        await platform.stop();
        stopped = true;
        // The embedded server is gone: its port refuses connections.
        const { port } = platform.infrastructure.database as { port: number };
        const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 1_000 });
        await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
      } finally {
        if (!stopped) await platform.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
