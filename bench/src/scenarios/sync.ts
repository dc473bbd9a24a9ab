/**
 * Sync (issue 4) on the whole platform in this process (every service and the gateway, the in-process
 * bus, a fresh database on DATABASE_URL's server or an embedded one, rate limiting off), one signed-in
 * user. Timed requests come from a child process (workload-child.ts), never this event loop.
 *
 *   seeding   100,000 changes for the user through the real path: account batches of 500 (50,000
 *             creates, then an update of each) → accounts' log → relay → bus → sync consumer → the
 *             user's change log. Reported for information: how long until the change log held all of
 *             them (read from sync.user_logs), and that as changes/s.
 *   catch-up  one client pages `POST /api/v2/sync/changes` with limit 1,000 from the start until
 *             `hasMore` is false, counting the items received (the creates all precede the updates,
 *             so no page folds two changes of one account into one item). Three times; the median.

 *   notify    a WebSocket of the user is open; PATCHes through REST at 20/s. The latency of a write is
 *             from sending it to receiving the first `sync` message whose cursor covers it. Which
 *             cursor covers which write is learnt afterwards from the public API alone, by paging the
 *             log one change at a time (support/sync-latency.ts): the cursor stays opaque.
 *   push      20 pushes one after another, each of 100 account items: 40 creates, 40 updates and 20
 *             deletes, the updates and deletes naming the version the client read.
 *   analyzed  the catch-up again after ANALYZE, for information: on a server with autovacuum off the
 *             planner's statistics still describe near-empty tables, and the queries' plans follow them.
 *
 * Each phase starts once the change log has stopped growing (support/quiet.ts). BENCH_SECONDS (default
 * 10) sets the notify phase's length, BENCH_PHASES=push runs only some phases (seeding always runs),
 * BENCH_SYNC_CHANGES seeds fewer changes for a quick try, and BENCH_CPU_PROFILE=<folder> writes a CPU
 * profile of the server per phase (support/profile.ts).
 */
import pg from 'pg';
import type { Metric, Scenario, ScenarioContext } from '../scenario.js';
import { describeLatency, summarize } from '../support/latency.js';
import { selectedPhases } from '../support/phases.js';
import { accountDrafts, type BenchUser, callApi, signUp, startBenchPlatform } from '../support/platform.js';
import { profiled } from '../support/profile.js';
import { waitForQuiet } from '../support/quiet.js';
import { type LogEntry, matchSyncMessages } from '../support/sync-latency.js';
import { runWorkload } from '../support/workload.js';

/** `BENCH_SYNC_CHANGES` seeds fewer for a quick run (at least 5,000: the later phases use 2,200 of the accounts). */
const SEED_CHANGES = Math.max(5_000, 2 * Math.round(Number(process.env.BENCH_SYNC_CHANGES ?? 100_000) / 2));
const SEED_BATCH = 500;
/** Batches in flight at once while seeding (seeding is not what is measured). */
const SEED_CONCURRENCY = 2;
const PAGE_LIMIT = 1_000;
const CATCH_UPS = 3;
const NOTIFY_RATE = 20;
const PUSHES = 20;
const PUSH_MIX = { created: 40, updated: 40, deleted: 20 };
const seconds = () => Number(process.env.BENCH_SECONDS ?? 10);

/** The platform, its user and what seeding left: 100,000 changes, SEED_CHANGES / 2 accounts at version 2. */
interface Setup {
  readonly base: string;
  /** The platform's database, for what only the bench does (planner statistics). */
  readonly db: pg.Client;
  readonly user: BenchUser;
  readonly seeded: readonly { id: string; email: string }[];
  readonly log: (message: string) => void;
}

const PHASES = {
  'catch-up': measureCatchUp,
  notify: measureNotification,
  push: measurePush,
  analyzed: measureAnalyzed,
} as const satisfies Record<string, (setup: Setup) => Promise<Metric[]>>;

async function run(context: ScenarioContext): Promise<Metric[]> {
  const phases = selectedPhases(process.env.BENCH_PHASES, Object.keys(PHASES) as (keyof typeof PHASES)[]);
  const platform = await startBenchPlatform('sync', context);
  const db = new pg.Client({ connectionString: platform.databaseUrl });
  await db.connect();
  try {
    const { base } = platform;
    const user = await signUp(base, 'sync');
    const seeded = accountDrafts('sync', SEED_CHANGES / 2);

    context.log(`seeding ${SEED_CHANGES.toLocaleString('en-US')} changes in batches of ${SEED_BATCH}`);
    const seedStart = performance.now();
    await seed(base, user, 'create', seeded);
    await seed(base, user, 'update', seeded);
    const writtenSeconds = (performance.now() - seedStart) / 1000;
    context.log(`the accounts service took them in ${writtenSeconds.toFixed(1)} s; waiting for the change log`);
    await waitForLog(db, user.id, SEED_CHANGES, context.log);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    context.log(`seeded in ${seedSeconds.toFixed(1)} s`);

    const metrics: Metric[] = [
      {
        name: 'seeding: changes in the log',
        value: seedSeconds,
        unit: 's',
        note:
          `${SEED_CHANGES.toLocaleString('en-US')} changes (batches of ${SEED_BATCH}, ${SEED_CONCURRENCY} at a time); ` +
          `the accounts service answered the last batch after ${writtenSeconds.toFixed(1)} s`,
      },
      {
        name: 'seeding: ingest rate',
        value: SEED_CHANGES / seedSeconds,
        unit: 'changes/s',
        note: 'REST batch → accounts log → relay → bus → sync consumer → change log, end to end',
      },
    ];
    const setup: Setup = { base, db, user, seeded, log: context.log };
    for (const phase of phases) {
      // Let the sync consumer finish the previous phase's changes first (see support/quiet.ts).
      await waitForQuiet(platform.databaseUrl, user.id);
      metrics.push(...(await profiled(`sync-${phase}`, () => PHASES[phase](setup), context.log)));
    }
    return metrics;
  } finally {
    await db.end();
    await platform.stop();
  }
}

async function measureCatchUp({ base, user, db, log }: Setup): Promise<Metric[]> {
  log(`catching up ${CATCH_UPS} times with limit ${PAGE_LIMIT}`);
  const { runs, median, describe } = await catchUps(base, user);
  const autovacuum = (await db.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]?.autovacuum;
  return [
    {
      name: 'catch-up, limit 1,000',
      value: median.rate,
      unit: 'changes/s',
      target: { op: '>=', value: 20_000 },
      note: `${describe}; autovacuum ${autovacuum} on this server`,
    },
    {
      name: 'catch-up: changes received',
      value: Math.min(...runs.map((c) => c.changes)),
      unit: 'changes',
      target: { op: '>=', value: SEED_CHANGES },
      note: `fewest over the ${CATCH_UPS} catch-ups; each should receive every seeded change exactly once`,
    },
  ];
}

/**
 * The catch-up again with fresh planner statistics, for information. A server with autovacuum off (a
 * test box) keeps the statistics of near-empty tables, and the page query's plan follows them;
 * autovacuum would soon refresh them. Last, because ANALYZE changes every later plan.
 */
async function measureAnalyzed({ base, user, db, log }: Setup): Promise<Metric[]> {
  await db.query('ANALYZE');
  log(`catching up ${CATCH_UPS} times after ANALYZE`);
  const { median, describe } = await catchUps(base, user);
  return [
    {
      name: 'catch-up after ANALYZE',
      value: median.rate,
      unit: 'changes/s',
      note: `the whole log (the seeded changes and the later phases'); ${describe}`,
    },
  ];
}

/** CATCH_UPS catch-ups from the start, one after another; the median by rate. */
async function catchUps(base: string, user: BenchUser) {
  const runs = [];
  for (let i = 0; i < CATCH_UPS; i++) {
    runs.push(await runWorkload({ kind: 'catch-up', base, token: user.token, limit: PAGE_LIMIT }));
  }
  const rated = runs.map((run) => ({ run, rate: run.changes / run.seconds })).sort((a, b) => a.rate - b.rate);
  const median = rated[Math.floor(rated.length / 2)]!;
  const describe =
    `median of ${CATCH_UPS} (${rated.map((r) => Math.round(r.rate)).join(', ')} changes/s); ${median.run.pages} pages ` +
    `in ${median.run.seconds.toFixed(2)} s; page ${describeLatency(median.run.pageLatency)}`;
  return { runs, median, describe };
}

async function measureNotification({ base, user, seeded, log }: Setup): Promise<Metric[]> {
  // Where the log ends now: the writes below are the changes after it.
  const head = await runWorkload({ kind: 'catch-up', base, token: user.token, limit: PAGE_LIMIT });
  log(`write → WebSocket sync: PATCH at ${NOTIFY_RATE}/s for ${seconds()} s`);
  const writes = await runWorkload({
    kind: 'writes',
    base,
    token: user.token,
    method: 'PATCH',
    // Seeded accounts are at version 2; the first 1,000 are this phase's.
    accounts: seeded.slice(0, 1_000).map((d) => ({ id: d.id, version: 2 })),
    fields: {},
    notesPrefix: 'notify:',
    pace: { kind: 'open', perSecond: NOTIFY_RATE, maxInFlight: 50 },
    warmUpSeconds: 1,
    seconds: seconds(),
    recordWrites: true,
    watchSync: { settleMs: 1_000 },
  });
  const changes = await readLogOneByOne(base, user.token, head.cursor);
  const matched = matchSyncMessages(
    (writes.writes ?? []).filter((w) => w.status === 200),
    changes,
    writes.syncMessages ?? [],
  );
  const notifyMs = summarize(matched.latencies);
  return [
    {
      name: 'write → WebSocket sync p99',
      value: notifyMs.p99,
      unit: 'ms',
      target: { op: '<=', value: 100 },
      note: `PATCH at ${NOTIFY_RATE}/s for ${seconds()} s, one socket; ${describeLatency(notifyMs)}`,
    },
    {
      name: 'writes without a sync message',
      value: matched.notNotified + matched.notLogged,
      unit: 'writes',
      target: { op: '<=', value: 0 },
      note:
        `${writes.ok} writes answered 200 (${writes.failed + writes.conflicts} did not); ` +
        `${writes.syncMessages?.length ?? 0} sync messages, ${matched.unknownMessages} with a cursor outside the log read`,
    },
  ];
}

async function measurePush({ base, user, seeded, log }: Setup): Promise<Metric[]> {
  log(`${PUSHES} pushes of ${PUSH_MIX.created + PUSH_MIX.updated + PUSH_MIX.deleted} items`);
  // Seeded accounts after the first 1,000 (the notification phase's) are this phase's, at version 2.
  const accounts = seeded.slice(1_000);
  const pushes = await runWorkload({
    kind: 'sequence',
    base,
    token: user.token,
    concurrency: 1,
    requests: Array.from({ length: PUSHES }, (_, i) => pushRequest(i, accounts)),
  });
  const pushMs = summarize(pushes.results.map((r) => r.ms));
  const failures = pushes.results.reduce((total, r) => total + r.itemFailures + (r.status === 200 ? 0 : 100), 0);
  return [
    {
      name: 'push of 100 items, median',
      value: pushMs.p50,
      unit: 'ms',
      target: { op: '<=', value: 200 },
      note:
        `${PUSHES} pushes one after another: ${PUSH_MIX.created} creates, ${PUSH_MIX.updated} updates, ` +
        `${PUSH_MIX.deleted} deletes of accounts; ${describeLatency(pushMs)}`,
    },
    { name: 'push of 100 items, p95', value: pushMs.p95, unit: 'ms', target: { op: '<=', value: 200 } },
    { name: 'push items not applied', value: failures, unit: 'items', target: { op: '<=', value: 0 } },
  ];
}

/** The seeded accounts created (version 1), or each updated once (version 1 → 2), in batches of 500. */
async function seed(
  base: string,
  user: BenchUser,
  action: 'create' | 'update',
  drafts: readonly { id: string; email: string }[],
) {
  const requests = [];
  for (let i = 0; i < drafts.length; i += SEED_BATCH) {
    const operations = drafts
      .slice(i, i + SEED_BATCH)
      .map((data) =>
        action === 'create'
          ? { action: 'create', data }
          : { action: 'patch', id: data.id, version: 1, data: { notes: 'seeded' } },
      );
    requests.push({ method: 'POST', path: '/api/v2/accounts/batch', body: { operations } });
  }
  const result = await runWorkload({
    kind: 'sequence',
    base,
    token: user.token,
    concurrency: SEED_CONCURRENCY,
    requests,
  });
  const failed = result.results.reduce((total, r) => total + r.itemFailures + (r.status === 200 ? 0 : SEED_BATCH), 0);
  if (failed > 0) throw new Error(`seeding: ${failed} ${action}s failed`);
}

/**
 * Until the user's change log (sync.user_logs) counts `changes`; fails when it stops growing for a
 * minute (a stuck consumer), however long it takes as long as it moves.
 */
async function waitForLog(db: pg.Client, userId: string, changes: number, log: (message: string) => void) {
  let last = -1;
  let movedAt = Date.now();
  let reportedAt = Date.now();
  for (;;) {
    const { rows } = await db.query<{ last_seq: string }>('SELECT last_seq FROM sync.user_logs WHERE user_id = $1', [
      userId,
    ]);
    const seen = Number(rows[0]?.last_seq ?? 0);
    if (seen >= changes) return;
    if (seen !== last) {
      last = seen;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > 60_000) {
      throw new Error(`the change log holds ${seen} of ${changes} changes and has not grown for a minute`);
    }
    if (Date.now() - reportedAt > 15_000) {
      log(`change log: ${seen.toLocaleString('en-US')} of ${changes.toLocaleString('en-US')}`);
      reportedAt = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The log after `cursor`, one change per page: each change with the cursor that ends at it. */
async function readLogOneByOne(base: string, token: string, cursor: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  let at = cursor;
  for (;;) {
    const page = await callApi<{
      accounts: { created: { id: string; version: number }[]; updated: { id: string; version: number }[] };
      cursor: string;
      hasMore: boolean;
    }>(base, token, 'POST', '/api/v2/sync/changes', { cursor: at, limit: 1, resources: ['accounts'] });
    for (const item of [...page.accounts.created, ...page.accounts.updated]) {
      entries.push({ id: item.id, version: item.version, cursor: page.cursor });
    }
    at = page.cursor;
    if (!page.hasMore) return entries;
  }
}

/** Push `i`: its own new ids, and its own slices of the seeded accounts (at version 2) to update and delete. */
function pushRequest(i: number, accounts: readonly { id: string; email: string }[]) {
  const updates = accounts.slice(i * PUSH_MIX.updated, (i + 1) * PUSH_MIX.updated);
  const deleteFrom = PUSHES * PUSH_MIX.updated + i * PUSH_MIX.deleted;
  const deletes = accounts.slice(deleteFrom, deleteFrom + PUSH_MIX.deleted);
  return {
    method: 'POST',
    path: '/api/v2/sync/push',
    body: {
      clientId: 'bench-client',
      mutationId: `push-${i}`,
      changes: {
        accounts: {
          created: accountDrafts(`pushed${i}`, PUSH_MIX.created),
          updated: updates.map((a) => ({ id: a.id, version: 2, notes: `pushed by ${i}` })),
          deleted: deletes.map((a) => ({ id: a.id, version: 2 })),
        },
      },
    },
  };
}

export const syncScenario: Scenario = {
  name: 'sync',
  description: 'Sync through the gateway: catch-up of 100,000 changes, write → WebSocket notice, push of 100 items',
  run,
};
