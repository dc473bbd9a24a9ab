/**
 * Vitest globalSetup: find a NATS server with JetStream for the whole run, or stop the run.
 *
 * Order: `NATS_URL` from the environment, else a throwaway container through testcontainers when Docker
 * is reachable. Nothing found is an error, never a skip: a bus suite that silently skips proves nothing.
 * Test files read the URL with `testNatsUrl()` (testing/nats.ts).
 */
import { existsSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
  }
}

interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  stop(): Promise<unknown>;
}

export default async function setupNats(project: TestProject): Promise<() => Promise<void>> {
  let container: StartedContainer | undefined;
  let url = process.env.NATS_URL;
  if (!url) {
    container = await startContainer();
    url = `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
  }
  await assertJetStream(url);
  // Forked workers inherit the environment, and `inject('natsUrl')` works in every test file.
  process.env.NATS_URL = url;
  project.provide('natsUrl', url);
  return async () => {
    await container?.stop();
  };
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function startContainer(): Promise<StartedContainer> {
  if (!dockerReachable()) {
    throw new Error(
      'NATS is required by the test suite: set NATS_URL (e.g. nats://127.0.0.1:4222, a server started with -js) ' +
        'or make Docker available so testcontainers can start one.',
    );
  }
  // Loaded by name only when needed: testcontainers is optional and absent where NATS_URL is always set.
  const moduleName = 'testcontainers';
  let testcontainers: {
    GenericContainer: new (
      image: string,
    ) => {
      withCommand(cmd: string[]): { withExposedPorts(port: number): { start(): Promise<StartedContainer> } };
    };
  };
  try {
    testcontainers = await import(moduleName);
  } catch (error) {
    throw new Error('NATS_URL is not set and the testcontainers package is not installed; set NATS_URL.', {
      cause: error,
    });
  }
  return new testcontainers.GenericContainer('nats:2.11-alpine').withCommand(['-js']).withExposedPorts(4222).start();
}

async function assertJetStream(url: string): Promise<void> {
  let nc: Awaited<ReturnType<typeof connect>>;
  try {
    nc = await connect({ servers: url, timeout: 5_000, reconnect: false });
  } catch (error) {
    throw new Error(`Cannot connect to NATS at ${url}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: true });
    await jsm.getAccountInfo();
  } catch (error) {
    throw new Error(`NATS at ${url} has no JetStream (start nats-server with -js): ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await nc.close();
  }
}
