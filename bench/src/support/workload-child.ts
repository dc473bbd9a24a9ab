/**
 * The load generator process (see workload.ts): reads one job as JSON on stdin, runs it against the
 * gateway, writes the result as JSON on stdout and exits. Nothing else may go to stdout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { AccountQueue, type VersionedAccount } from './account-queue.js';
import { createHttpClient } from './http-client.js';
import { summarize } from './latency.js';
import type {
  CatchUpJob,
  CatchUpResult,
  RecordedWrite,
  SequenceJob,
  SequenceResult,
  WorkloadJob,
  WritesJob,
  WritesResult,
} from './workload.js';

const ok = (status: number) => status >= 200 && status < 300;

async function runWrites(job: WritesJob): Promise<WritesResult> {
  const concurrency = job.pace.kind === 'closed' ? job.pace.workers : job.pace.maxInFlight;
  const client = createHttpClient(job.base, job.token, concurrency);
  const queue = new AccountQueue(job.accounts);
  const socket = job.watchSync ? await openSyncSocket(job.base, job.token) : undefined;

  // An object, so that the timers' changes are seen by the loops below (and by the type checker).
  const state: { phase: 'warm-up' | 'measured' | 'done' } = {
    phase: job.warmUpSeconds > 0 ? 'warm-up' : 'measured',
  };
  let windowStart = performance.now();
  let lastAnswer = windowStart;
  let written = 0;
  let sent = 0;
  let inFlight = 0;
  let skipped = 0;
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  const writes: RecordedWrite[] = [];

  const writeOnce = async (account: VersionedAccount): Promise<void> => {
    const measured = state.phase === 'measured';
    const notes = `${measured ? job.notesPrefix : 'warm-up:'}${written++}`;
    if (measured) sent++;
    inFlight++;
    const sentAt = performance.now();
    let status = 0;
    let version = 0;
    let next = account.version;
    try {
      const answer = await client.request(job.method, `/api/v2/accounts/${encodeURIComponent(account.id)}`, {
        ...job.fields,
        notes,
        version: account.version,
      });
      status = answer.status;
      if (ok(status)) {
        version = (JSON.parse(answer.text) as { data: { version: number } }).data.version;
        next = version;
      } else if (status === 409) {
        const current = (JSON.parse(answer.text) as { details?: { currentVersion?: unknown } }).details?.currentVersion;
        if (typeof current === 'number') next = current;
      }
    } catch {
      status = 0;
    }
    const answeredAt = performance.now();
    inFlight--;
    queue.give(account, next);
    if (!measured) return;
    lastAnswer = answeredAt;
    statuses[status] = (statuses[status] ?? 0) + 1;
    samples.push(answeredAt - sentAt);
    if (job.recordWrites) writes.push({ id: account.id, version, notes, sentAt, ms: answeredAt - sentAt, status });
  };

  const startMeasuring = () => {
    state.phase = 'measured';
    windowStart = performance.now();
    lastAnswer = windowStart;
  };
  const warmUp = setTimeout(startMeasuring, job.warmUpSeconds * 1000);
  const end = setTimeout(
    () => {
      state.phase = 'done';
    },
    (job.warmUpSeconds + job.seconds) * 1000,
  );

  if (job.pace.kind === 'closed') {
    const worker = async () => {
      while (state.phase !== 'done') {
        const account = queue.take();
        if (account) await writeOnce(account);
        else await sleep(1);
      }
    };
    await Promise.all(Array.from({ length: job.pace.workers }, worker));
  } else {
    const { perSecond, maxInFlight } = job.pace;
    const start = performance.now();
    let scheduled = 0;
    while (state.phase !== 'done') {
      const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
      for (; scheduled < due; scheduled++) {
        const account = inFlight < maxInFlight ? queue.take() : undefined;
        if (account) void writeOnce(account);
        else if (state.phase === 'measured') skipped++;
      }
      await sleep(1);
    }
    while (inFlight > 0) await sleep(1);
  }
  clearTimeout(warmUp);
  clearTimeout(end);
  client.close();

  let syncMessages: { cursor: string; at: number }[] | undefined;
  if (socket && job.watchSync) {
    await sleep(job.watchSync.settleMs);
    syncMessages = socket.messages;
    socket.close();
  }
  const conflicts = statuses['409'] ?? 0;
  const succeeded = Object.entries(statuses)
    .filter(([status]) => ok(Number(status)))
    .reduce((total, [, count]) => total + count, 0);
  const seconds = (lastAnswer - windowStart) / 1000;
  return {
    seconds,
    sent,
    ok: succeeded,
    conflicts,
    failed: sent - succeeded - conflicts,
    statuses,
    okPerSecond: succeeded / seconds,
    latency: summarize(samples),
    skipped,
    ...(job.recordWrites ? { writes } : {}),
    ...(syncMessages ? { syncMessages } : {}),
  };
}

/** A WebSocket of the user, authenticated (`auth_ok`: notifications flow), recording `sync` messages. */
async function openSyncSocket(base: string, token: string) {
  const url = new URL('/ws', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  const socket = new WebSocket(url);
  const messages: { cursor: string; at: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code, reason) => reject(new Error(`WebSocket closed: ${code} ${reason.toString()}`)));
    socket.on('message', (data: Buffer) => {
      const at = performance.now();
      const message = JSON.parse(data.toString()) as { type: string; cursor?: string };
      if (message.type === 'auth_ok') resolve();
      else if (message.type === 'sync' && typeof message.cursor === 'string') {
        messages.push({ cursor: message.cursor, at });
      }
    });
  });
  socket.removeAllListeners('close');
  return { messages, close: () => socket.close() };
}

async function runSequence(job: SequenceJob): Promise<SequenceResult> {
  const client = createHttpClient(job.base, job.token, job.concurrency);
  const results: SequenceResult['results'][number][] = new Array(job.requests.length);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < job.requests.length) {
      const index = next++;
      const request = job.requests[index]!;
      const sentAt = performance.now();
      const answer = await client.request(request.method, request.path, request.body);
      const ms = performance.now() - sentAt;
      results[index] = { ms, status: answer.status, ...failuresIn(answer.text) };
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  client.close();
  return { seconds: (performance.now() - started) / 1000, results };
}

/** Failed items of a batch (`summary.failed`) or a push (results not `applied`), and the error code. */
function failuresIn(text: string): { itemFailures: number; error?: string } {
  const envelope = JSON.parse(text) as {
    success: boolean;
    error?: string;
    data?: { summary?: { failed?: number }; results?: unknown };
  };
  if (!envelope.success) return { itemFailures: 0, error: envelope.error ?? 'unknown' };
  const data = envelope.data;
  if (typeof data?.summary?.failed === 'number') return { itemFailures: data.summary.failed };
  if (data?.results && typeof data.results === 'object' && !Array.isArray(data.results)) {
    const items = Object.values(data.results as Record<string, { status?: string }[]>).flat();
    return { itemFailures: items.filter((item) => item.status !== 'applied').length };
  }
  return { itemFailures: 0 };
}

interface ChangesPage {
  cursor: string;
  hasMore: boolean;
  [resource: string]: unknown;
}

async function runCatchUp(job: CatchUpJob): Promise<CatchUpResult> {
  const client = createHttpClient(job.base, job.token, 1);
  let cursor = job.cursor;
  let pages = 0;
  let changes = 0;
  const latencies: number[] = [];
  const started = performance.now();
  for (;;) {
    const sentAt = performance.now();
    const answer = await client.request('POST', '/api/v2/sync/changes', {
      limit: job.limit,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    if (answer.status !== 200) throw new Error(`changes answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    const page = (JSON.parse(answer.text) as { data: ChangesPage }).data;
    latencies.push(performance.now() - sentAt);
    pages++;
    for (const delta of Object.values(page)) {
      if (delta && typeof delta === 'object') {
        const { created, updated, deleted } = delta as { created: unknown[]; updated: unknown[]; deleted: unknown[] };
        changes += created.length + updated.length + deleted.length;
      }
    }
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  const seconds = (performance.now() - started) / 1000;
  client.close();
  return { seconds, pages, changes, pageLatency: summarize(latencies), cursor: cursor ?? '' };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const job = JSON.parse(await readStdin()) as WorkloadJob;
const result =
  job.kind === 'writes'
    ? await runWrites(job)
    : job.kind === 'sequence'
      ? await runSequence(job)
      : await runCatchUp(job);
process.stdout.write(JSON.stringify(result), () => process.exit(0));
