/**
 * The whole platform in this process for an end-to-end test file, in either mode:
 *
 *   embedded     PostgreSQL (a test database of its own) and the in-process bus: `npm start`.
 *   distributed  the same, but on the real NATS server, with the gateway on a NATS connection of its
 *                own, apart from the auth service's, so every request really crosses NATS as it does
 *                between pods. A subject prefix per instance keeps test files (and the two instances
 *                of one file) from answering each other's requests.
 *
 * It is built from the same parts as `startPlatform` (platform.ts): `createInfrastructure`, the
 * registered services, `createGateway`. It does not call `startPlatform` itself because the tests
 * need handles that a running platform does not give out: stopping the auth service while the gateway
 * keeps running, and starting further gateway replicas on the same bus.
 */
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway, loadGatewayConfig } from '@cairn/gateway';
import type { Bus } from '@cairn/shared/bus';
import { loadConfig } from '@cairn/shared/config';
import { createLogger } from '@cairn/shared/logging';
import {
  createBus,
  createInfrastructure,
  type Infrastructure,
  infrastructureConfigSchema,
  type RunningService,
} from '@cairn/shared/runtime';
import {
  createTestDatabase,
  dropTestStream,
  type TestDatabase,
  testNatsUrl,
  testSubjectPrefix,
} from '@cairn/shared/testing';
import { httpUrl } from '../../src/platform.js';
import { SERVICE_NAMES, type ServiceName } from '../../src/services.js';
import { startServices, stopServices } from '../../src/start-services.js';

export type Mode = 'embedded' | 'distributed';

/** For `describe.each(MODES)('… (%s)', (_label, mode) => …)`: every scenario in both modes. */
export const MODES: ReadonlyArray<readonly [string, Mode]> = [
  ['embedded (in-process bus)', 'embedded'],
  ['distributed (NATS)', 'distributed'],
];

/** The first admin, created at start-up from CAIRN_ADMIN_USERNAME / CAIRN_ADMIN_PASSWORD. */
export const ADMIN = { username: 'root-admin', password: 'root-admin-password' } as const;

/** Quiet unless TEST_LOG_LEVEL asks otherwise. */
export const testLogger = createLogger({ name: 'platform-e2e', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface GatewayReplica {
  readonly url: string;
  readonly gateway: Gateway;
  /** Graceful close, then its own bus connection (distributed mode). Idempotent. */
  close(): Promise<void>;
}

export interface TestPlatform {
  readonly mode: Mode;
  /** The gateway clients talk to, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly gateway: Gateway;
  readonly db: TestDatabase;
  readonly infrastructure: Infrastructure;
  /** The environment the services and gateways were given (to start a service as a process of its own). */
  readonly env: Readonly<NodeJS.ProcessEnv>;
  /** Another gateway on the same bus (in distributed mode on a NATS connection of its own). */
  addGateway(env?: Readonly<Record<string, string>>): Promise<GatewayReplica>;
  /** Stops the services only (auth); the gateways keep running. */
  stopServices(): Promise<void>;
  /** Starts the services again after `stopServices`, on the same infrastructure. */
  startServices(): Promise<void>;
  /** Everything, in the platform's order: gateways, services, infrastructure, then the test database. */
  stop(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Environment of the services and the gateways (e.g. CAIRN_LOGIN_MAX_FAILURES, WECHAT_API_BASE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment of the main gateway only, on top of `env`. */
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  /** The services run in this process; default all (a test may run one as a process of its own). */
  readonly services?: readonly ServiceName[];
}

let instances = 0;

export async function startTestPlatform(mode: Mode, options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const db = await createTestDatabase();
  // Unique per test file (testSubjectPrefix) and per instance within the file.
  const prefix = `${testSubjectPrefix()}_${++instances}`;
  const env: NodeJS.ProcessEnv = {
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    // Small on purpose: processors share one lock connection and borrow others per page, so a small
    // pool must be enough (many test files share one PostgreSQL server).
    DATABASE_POOL_SIZE: '10',
    // A low scrypt cost: the tests hash dozens of passwords; production uses 15.
    CAIRN_PASSWORD_HASH_COST: '10',
    CAIRN_ADMIN_USERNAME: ADMIN.username,
    CAIRN_ADMIN_PASSWORD: ADMIN.password,
    ACCESS_LOG: 'off',
    ...(mode === 'distributed' ? { NATS_URL: testNatsUrl(), NATS_SUBJECT_PREFIX: prefix } : {}),
    ...options.env,
  };
  const busConfig = loadConfig(infrastructureConfigSchema, env);
  const inProcess = options.services ?? SERVICE_NAMES;
  const gateways = new Set<GatewayReplica>();
  let infrastructure: Infrastructure | undefined;
  let services: RunningService[] = [];

  const addGateway = async (extra: Readonly<Record<string, string>> = {}): Promise<GatewayReplica> => {
    // In-process: one bus for everything, as `npm start`. On NATS: a connection per gateway, as per pod.
    const bus: Bus =
      mode === 'distributed' ? await createBus(busConfig, testLogger, 'cairn-gateway') : infrastructure!.bus;
    const ownsBus = mode === 'distributed';
    try {
      const gateway = await createGateway({
        bus,
        logger: testLogger,
        config: loadGatewayConfig({ ...env, ...extra }),
        services: SERVICE_NAMES,
      });
      await gateway.listen(0, '127.0.0.1');
      let closing: Promise<void> | undefined;
      const replica: GatewayReplica = {
        url: httpUrl(gateway.app.server.address() as AddressInfo),
        gateway,
        close: () => {
          closing ??= (async () => {
            await gateway.close();
            if (ownsBus) await bus.close();
            gateways.delete(replica);
          })();
          return closing;
        },
      };
      gateways.add(replica);
      return replica;
    } catch (error) {
      if (ownsBus) await bus.close();
      throw error;
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Every step runs even if one before it fails, so a failed test leaves no database or stream behind.
      const steps: Array<() => Promise<unknown>> = [
        ...[...gateways].map((replica) => () => replica.close()),
        () => stopServices(services.splice(0), testLogger),
        async () => infrastructure?.close(),
        // The events stream createBus made for this prefix (shared/src/runtime/infrastructure.ts).
        async () => mode === 'distributed' && dropTestStream(`CAIRN_EVENTS_${prefix.toUpperCase()}`),
        () => db.drop(),
      ];
      let firstError: unknown;
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          firstError ??= error;
        }
      }
      if (firstError !== undefined) throw firstError;
    })();
    return stopping;
  };

  try {
    const started = await createInfrastructure(env, { logger: testLogger, name: 'cairn-auth' });
    infrastructure = started;
    services = await startServices(started, inProcess, env, testLogger);
    const main = await addGateway(options.gatewayEnv);
    return {
      mode,
      url: main.url,
      gateway: main.gateway,
      db,
      infrastructure: started,
      env,
      addGateway,
      stopServices: () => stopServices(services.splice(0), testLogger),
      async startServices() {
        if (services.length > 0) throw new Error('the services are running already');
        services = await startServices(started, inProcess, env, testLogger);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
