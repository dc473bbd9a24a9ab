/**
 * Accounts v2 (issue 3) on the whole platform in this process (every service and the gateway, the
 * in-process bus, a fresh database on DATABASE_URL's server or an embedded one, rate limiting off),
 * one signed-in user owning 1,000 accounts. Load comes from child processes, so that generating it
 * never shares the server's event loop: autocannon for the plain GETs, workload-child.ts for the rest.
 * Before each phase the bench waits until the sync service has recorded the previous phase's changes
 * (support/quiet.ts), so that no phase pays for another's backlog; the waits are reported.
 *
 *   get    GET /api/v2/accounts/:id, 50 connections; the account has credentials, opened per GET.
 *   list   GET /api/v2/accounts?pageSize=50 (the first page of 1,000+), 50 connections.
 *   put    versioned PUT, 50 workers; each write goes to an account no other write has in flight and
 *          names the version the account's last answer gave (so a 409 would be a server bug).
 *   batch  20 batches of 100 creates one after another (the seed's items: id and email); 10 more with
 *          credentials for comparison (each account then gets a data key).
 *   lag    projection lag: a paced writer PATCHes 1,000 commands/s (open loop: the schedule does not
 *          wait for answers) for BENCH_SECONDS after 5 s of warm-up (writes after a pause start slower
 *          for a few seconds); each write's notes carry a marker, and PostgreSQL itself records when
 *          the append commits and when the accounts read model's row shows it
 *          (support/projection-lag.ts). Lag is the difference, per write: no client or event loop in
 *          between. Then the same at 500 commands/s, for comparison below saturation.
 *
 * BENCH_SECONDS (default 10) sets each load's length, BENCH_PHASES=put,lag runs only those phases, and
 * BENCH_CPU_PROFILE=<folder> writes a CPU profile of the server per phase (support/profile.ts).
 */
import type { Metric, Scenario, ScenarioContext } from '../scenario.js';
import { describeLatency, summarize } from '../support/latency.js';
import { runLoad } from '../support/load.js';
import { selectedPhases } from '../support/phases.js';
import {
  accountDrafts,
  type BenchPlatform,
  type BenchUser,
  callApi,
  createAccounts,
  signUp,
  startBenchPlatform,
} from '../support/platform.js';
import { profiled } from '../support/profile.js';
import { installLagProbe, LAG_MARKER } from '../support/projection-lag.js';
import { waitForQuiet } from '../support/quiet.js';
import { runWorkload, type WritesResult } from '../support/workload.js';

const CONNECTIONS = 50;
const ACCOUNTS = 1_000;
const BATCHES = 20;
const BATCH_SIZE = 100;
const LAG_RATE = 1_000;
const WARM_UP_SECONDS = 2;
/** The paced writer's warm-up: the first seconds of writes after a pause run slower (see the header). */
const LAG_WARM_UP_SECONDS = 5;
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);

const credentials = { accessToken: 'bench-access-token', refreshToken: 'bench-refresh-token', expiresAt: 0 };

/** What every phase works on: the platform, its user and the user's 1,000 accounts (all at version 1). */
interface Setup {
  readonly platform: BenchPlatform;
  readonly base: string;
  readonly user: BenchUser;
  readonly accountIds: readonly string[];
  readonly log: (message: string) => void;
}

const PHASES = {
  get: measureGet,
  list: measureList,
  put: measurePut,
  batch: measureBatches,
  lag: measureLag,
} as const satisfies Record<string, (setup: Setup) => Promise<Metric[]>>;

async function run(context: ScenarioContext): Promise<Metric[]> {
  const phases = selectedPhases(process.env.BENCH_PHASES, Object.keys(PHASES) as (keyof typeof PHASES)[]);
  const platform = await startBenchPlatform('accounts', context);
  try {
    const { base } = platform;
    const user = await signUp(base, 'accounts');
    const drafts = accountDrafts('acc', ACCOUNTS);
    context.log(`creating ${ACCOUNTS} accounts`);
    await createAccounts(base, user.token, drafts);
    const setup: Setup = { platform, base, user, accountIds: drafts.map((d) => d.id), log: context.log };
    const metrics: Metric[] = [];
    const backlogs: string[] = [];
    let previous = 'set-up';
    for (const phase of phases) {
      // The sync consumer records every write after it answered: let it catch up, or this phase pays for it.
      const quiet = await waitForQuiet(platform.databaseUrl, user.id);
      if (quiet.changes > 0) backlogs.push(`after ${previous}: ${quiet.changes} changes in ${quiet.seconds} s`);
      metrics.push(...(await profiled(`accounts-${phase}`, () => PHASES[phase](setup), context.log)));
      previous = phase;
    }
    const quiet = await waitForQuiet(platform.databaseUrl, user.id);
    if (quiet.changes > 0) backlogs.push(`after ${previous}: ${quiet.changes} changes in ${quiet.seconds} s`);
    metrics.push({
      name: 'sync change log catching up between phases',
      value: backlogs.length,
      unit: 'waits',
      note: `the sync consumer's backlog, waited out before each phase: ${backlogs.join('; ') || 'none'}`,
    });
    return metrics;
  } finally {
    await platform.stop();
  }
}

async function measureGet({ base, user, log }: Setup): Promise<Metric[]> {
  const account = await callApi<{ id: string }>(base, user.token, 'POST', '/api/v2/accounts', {
    id: 'acc-with-credentials',
    email: 'with-credentials@bench.example.com',
    credentials,
  });
  const target = { url: `${base}/api/v2/accounts/${account.id}`, headers: { authorization: `Bearer ${user.token}` } };
  log(`GET /api/v2/accounts/:id: ${CONNECTIONS} connections for ${seconds()} s after ${WARM_UP_SECONDS} s`);
  await runLoad({ ...target, connections: CONNECTIONS, seconds: WARM_UP_SECONDS });
  const get = await runLoad({ ...target, connections: CONNECTIONS, seconds: seconds() });
  return [
    {
      name: 'GET /api/v2/accounts/:id',
      value: get.requestsPerSecond,
      unit: 'req/s',
      target: { op: '>=', value: 6_000 },
      note: `${CONNECTIONS} connections, ${seconds()} s; an account with credentials (opened per GET); p50 ${get.p50Ms} ms`,
    },
    { name: 'GET /api/v2/accounts/:id p99', value: get.p99Ms, unit: 'ms', target: { op: '<=', value: 20 } },
    { name: 'GET /api/v2/accounts/:id failed', value: get.failed, unit: 'responses', target: { op: '<=', value: 0 } },
  ];
}

async function measureList({ base, user, log }: Setup): Promise<Metric[]> {
  const target = { url: `${base}/api/v2/accounts?pageSize=50`, headers: { authorization: `Bearer ${user.token}` } };
  log(`GET /api/v2/accounts?pageSize=50: ${CONNECTIONS} connections for ${seconds()} s after ${WARM_UP_SECONDS} s`);
  await runLoad({ ...target, connections: CONNECTIONS, seconds: WARM_UP_SECONDS });
  const listed = await runLoad({ ...target, connections: CONNECTIONS, seconds: seconds() });
  return [
    {
      name: 'GET /api/v2/accounts?pageSize=50',
      value: listed.requestsPerSecond,
      unit: 'req/s',
      target: { op: '>=', value: 2_000 },
      note: `${CONNECTIONS} connections, ${seconds()} s, the first page of ${ACCOUNTS}+; p50 ${listed.p50Ms} ms`,
    },
    { name: 'GET /api/v2/accounts?pageSize=50 p99', value: listed.p99Ms, unit: 'ms' },
    {
      name: 'GET /api/v2/accounts?pageSize=50 failed',
      value: listed.failed,
      unit: 'responses',
      target: { op: '<=', value: 0 },
    },
  ];
}

async function measurePut({ base, user, accountIds, log }: Setup): Promise<Metric[]> {
  log(`versioned PUT: ${CONNECTIONS} workers for ${seconds()} s after ${WARM_UP_SECONDS} s of warm-up`);
  const puts = await runWorkload({
    kind: 'writes',
    base,
    token: user.token,
    method: 'PUT',
    accounts: await currentVersions(base, user.token, accountIds),
    fields: { email: 'replaced@bench.example.com', nickname: 'replaced', provider: 'bench' },
    notesPrefix: 'put:',
    pace: { kind: 'closed', workers: CONNECTIONS },
    warmUpSeconds: WARM_UP_SECONDS,
    seconds: seconds(),
  });
  return [
    {
      name: 'versioned PUT',
      value: puts.okPerSecond,
      unit: 'req/s',
      target: { op: '>=', value: 2_000 },
      note: `${CONNECTIONS} workers over ${ACCOUNTS} accounts, ${puts.seconds.toFixed(1)} s; ${describeLatency(puts.latency)}`,
    },
    { name: 'versioned PUT p99', value: puts.latency.p99, unit: 'ms', target: { op: '<=', value: 40 } },
    {
      name: 'versioned PUT conflicts + failures',
      value: puts.conflicts + puts.failed,
      unit: 'responses',
      target: { op: '<=', value: 0 },
      note: `statuses ${JSON.stringify(puts.statuses)}`,
    },
  ];
}

async function measureBatches({ base, user, log }: Setup): Promise<Metric[]> {
  log(`${BATCHES} batches of ${BATCH_SIZE} creates, one after another (and 10 with credentials)`);
  const batchOf = (prefix: string, withSecrets: boolean) => ({
    method: 'POST',
    path: '/api/v2/accounts/batch',
    body: {
      operations: accountDrafts(prefix, BATCH_SIZE).map((data) => ({
        action: 'create',
        data: withSecrets ? { ...data, credentials } : data,
      })),
    },
  });
  const sequence = (requests: ReturnType<typeof batchOf>[]) =>
    runWorkload({ kind: 'sequence', base, token: user.token, concurrency: 1, requests });
  const plain = await sequence(Array.from({ length: BATCHES }, (_, b) => batchOf(`batch${b}`, false)));
  const sealed = await sequence(Array.from({ length: 10 }, (_, b) => batchOf(`sealed${b}`, true)));
  const plainMs = summarize(plain.results.map((r) => r.ms));
  const sealedMs = summarize(sealed.results.map((r) => r.ms));
  const failures = [...plain.results, ...sealed.results].reduce(
    (total, r) => total + r.itemFailures + (r.status === 200 ? 0 : BATCH_SIZE),
    0,
  );
  return [
    {
      name: 'batch of 100 creates, median',
      value: plainMs.p50,
      unit: 'ms',
      target: { op: '<=', value: 150 },
      note: `${BATCHES} batches one after another (id and email, as seed 003); ${describeLatency(plainMs)}`,
    },
    { name: 'batch of 100 creates, p95', value: plainMs.p95, unit: 'ms', target: { op: '<=', value: 150 } },
    {
      name: 'batch of 100 creates with credentials, median',
      value: sealedMs.p50,
      unit: 'ms',
      note: `10 batches, each account with credentials (a data key each); ${describeLatency(sealedMs)}`,
    },
    { name: 'batch items failed', value: failures, unit: 'items', target: { op: '<=', value: 0 } },
  ];
}

async function measureLag(setup: Setup): Promise<Metric[]> {
  const atTarget = await lagAt(setup, LAG_RATE);
  const atHalf = await lagAt(setup, LAG_RATE / 2);
  const lagMs = summarize(atTarget.lagsMs);
  const halfMs = summarize(atHalf.lagsMs);
  return [
    {
      name: 'projection lag p99',
      value: lagMs.p99,
      unit: 'ms',
      target: { op: '<=', value: 50 },
      note: `append commit → read-model commit, per write, by PostgreSQL's clock; ${describeLatency(lagMs)}`,
    },
    {
      name: 'projection lag: commands written',
      value: atTarget.paced.ok / atTarget.paced.seconds,
      unit: 'commands/s',
      target: { op: '>=', value: LAG_RATE * 0.98 },
      note: describePaced(LAG_RATE, atTarget.paced),
    },
    {
      name: 'projection lag: writes never visible',
      value: atTarget.appended - atTarget.visible,
      unit: 'writes',
      target: { op: '<=', value: 0 },
      note: `${atTarget.appended} appends recorded, ${atTarget.visible} seen in the read model`,
    },
    {
      name: `projection lag p99 at ${LAG_RATE / 2} commands/s`,
      value: halfMs.p99,
      unit: 'ms',
      note: `for comparison, below saturation; ${describeLatency(halfMs)}; ${describePaced(LAG_RATE / 2, atHalf.paced)}`,
    },
  ];
}

/** A paced PATCH writer at `rate` with the lag probe installed; every write's lag. */
async function lagAt({ platform, base, user, accountIds, log }: Setup, rate: number) {
  await waitForQuiet(platform.databaseUrl, user.id);
  const accounts = await currentVersions(base, user.token, accountIds);
  log(`projection lag: ${rate} PATCH/s for ${seconds()} s after ${LAG_WARM_UP_SECONDS} s of warm-up`);
  const probe = await installLagProbe(platform.databaseUrl);
  try {
    const paced = await runWorkload({
      kind: 'writes',
      base,
      token: user.token,
      method: 'PATCH',
      accounts,
      fields: {},
      notesPrefix: `${LAG_MARKER}${rate}:`,
      pace: { kind: 'open', perSecond: rate, maxInFlight: 500 },
      warmUpSeconds: LAG_WARM_UP_SECONDS,
      seconds: seconds(),
    });
    return { paced, ...(await probe.collect(10_000)) };
  } finally {
    await probe.remove();
  }
}

const describePaced = (rate: number, paced: WritesResult) =>
  `paced PATCH at ${rate}/s over ${paced.seconds.toFixed(1)} s: ${paced.ok} ok, ${paced.conflicts} conflicts, ` +
  `${paced.failed} failed, ${paced.skipped} slots skipped; answers ${describeLatency(paced.latency)}`;

/** Each account's version as the list shows it now (after the PUT phase moved them on). */
async function currentVersions(
  base: string,
  token: string,
  ids: readonly string[],
): Promise<{ id: string; version: number }[]> {
  const versions = new Map<string, number>();
  for (let page = 1; ids.some((id) => !versions.has(id)); page++) {
    const data = await callApi<{ items: { id: string; version: number }[] }>(
      base,
      token,
      'GET',
      `/api/v2/accounts?pageSize=200&page=${page}&fields=id,version`,
    );
    if (data.items.length === 0) throw new Error('some accounts are missing from the list');
    for (const item of data.items) versions.set(item.id, item.version);
  }
  return ids.map((id) => ({ id, version: versions.get(id)! }));
}

export const accountsScenario: Scenario = {
  name: 'accounts',
  description:
    'Accounts v2 through the gateway: GET by id, list of 50, versioned PUT, batch of 100 creates, projection lag',
  run,
};
