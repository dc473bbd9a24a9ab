/**
 * The whole platform in this process (every service and the gateway, in-process bus, PostgreSQL from
 * DATABASE_URL or embedded, rate limiting off), loaded over HTTP by autocannon in a child process:
 *
 *   GET /api/auth/me      as a signed-in user: token check in the gateway, one RPC to auth.
 *   GET /api/users        as the admin: an RPC whose handler queries the users read model in PostgreSQL
 *                         (a page and its total). `GET /api/users/:id` is answered from auth's in-memory
 *                         directory, so it would not measure a database read.
 */
import { randomBytes } from 'node:crypto';
import type { Metric, Scenario, ScenarioContext } from '../scenario.js';
import { runLoad } from '../support/load.js';
import { callApi, startBenchPlatform } from '../support/platform.js';
import { profiled } from '../support/profile.js';

const CONNECTIONS = 50;
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = 2;

interface Session {
  readonly accessToken: string;
}

async function run(context: ScenarioContext): Promise<Metric[]> {
  const admin = { username: 'bench-admin', password: randomBytes(12).toString('base64url') };
  const platform = await startBenchPlatform('http', context, {
    CAIRN_ADMIN_USERNAME: admin.username,
    CAIRN_ADMIN_PASSWORD: admin.password,
  });
  try {
    const { base } = platform;
    const credentials = { username: `bench-${Date.now()}`, password: randomBytes(12).toString('base64url') };
    await callApi(base, '', 'POST', '/api/auth/register', { ...credentials, displayName: 'Bench User' });
    const user = await callApi<Session>(base, '', 'POST', '/api/auth/login', credentials);
    const adminSession = await callApi<Session>(base, '', 'POST', '/api/auth/admin/login', admin);

    const me = { url: `${base}/api/auth/me`, headers: { authorization: `Bearer ${user.accessToken}` } };
    const listUsers = {
      url: `${base}/api/users?pageSize=20`,
      headers: { authorization: `Bearer ${adminSession.accessToken}` },
    };
    context.log(`warming up (${WARM_UP_SECONDS} s per route)`);
    await runLoad({ ...me, connections: CONNECTIONS, seconds: WARM_UP_SECONDS });
    await runLoad({ ...listUsers, connections: CONNECTIONS, seconds: WARM_UP_SECONDS });

    context.log(`GET /api/auth/me: ${CONNECTIONS} connections for ${seconds()} s`);
    const meResult = await profiled(
      'http-me',
      () => runLoad({ ...me, connections: CONNECTIONS, seconds: seconds() }),
      context.log,
    );
    context.log(`GET /api/users: ${CONNECTIONS} connections for ${seconds()} s`);
    const userResult = await profiled(
      'http-users',
      () => runLoad({ ...listUsers, connections: CONNECTIONS, seconds: seconds() }),
      context.log,
    );
    return [
      {
        name: 'GET /api/auth/me',
        value: meResult.requestsPerSecond,
        unit: 'req/s',
        target: { op: '>=', value: 8_000 },
        note: `${CONNECTIONS} connections, ${seconds()} s, bearer token; p50 ${meResult.p50Ms} ms`,
      },
      { name: 'GET /api/auth/me p99', value: meResult.p99Ms, unit: 'ms', target: { op: '<=', value: 20 } },
      { name: 'GET /api/auth/me failed', value: meResult.failed, unit: 'responses', target: { op: '<=', value: 0 } },
      {
        name: 'GET /api/users',
        value: userResult.requestsPerSecond,
        unit: 'req/s',
        target: { op: '>=', value: 5_000 },
        note: `as admin, pageSize 20: a query on auth's users read model; p50 ${userResult.p50Ms} ms`,
      },
      { name: 'GET /api/users p99', value: userResult.p99Ms, unit: 'ms' },
      {
        name: 'GET /api/users failed',
        value: userResult.failed,
        unit: 'responses',
        target: { op: '<=', value: 0 },
      },
    ];
  } finally {
    await platform.stop();
  }
}

export const httpScenario: Scenario = {
  name: 'http',
  description: 'gateway + services in one process under autocannon: /api/auth/me and /api/users',
  run,
};
