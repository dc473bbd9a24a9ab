/**
 * Custom loads that autocannon's CLI cannot make (versioned writes that track each account's version,
 * a paced writer, a WebSocket listener, a client paging through changes, timed sequences of requests),
 * run in a child process (workload-child.ts) for the same reason as autocannon: generating load must
 * not share the event loop of the server under test. The job goes in on stdin as JSON, the result
 * comes back on stdout as JSON; times in a result are the child's `performance.now()`.
 */
import { spawn } from 'node:child_process';
import type { LatencySummary } from './latency.js';

interface Target {
  /** The gateway, e.g. `http://127.0.0.1:41234`. */
  readonly base: string;
  readonly token: string;
}

/** Closed: `workers` loops, each sending its next write when the last one answered. Open: a fixed rate. */
export type Pace =
  | { readonly kind: 'closed'; readonly workers: number }
  | { readonly kind: 'open'; readonly perSecond: number; readonly maxInFlight: number };

/**
 * Versioned writes (`PUT`/`PATCH /api/v2/accounts/:id`) to the given accounts, each naming the
 * account's current version. Every write sets `notes` to `<notesPrefix><n>` (n counts the job's
 * writes), so every write changes something and can be recognised in the database.
 */
export interface WritesJob extends Target {
  readonly kind: 'writes';
  readonly method: 'PUT' | 'PATCH';
  readonly accounts: readonly { readonly id: string; readonly version: number }[];
  /** Sent with every write besides `version` and `notes` (a PUT needs at least `email`). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly notesPrefix: string;
  readonly pace: Pace;
  /** Writes before the measured window: same load, `notes` prefixed `warm-up:`, not counted. */
  readonly warmUpSeconds: number;
  readonly seconds: number;
  /** Return every measured write (for lag and sync matching). */
  readonly recordWrites?: boolean;
  /** Hold a WebSocket of the user open and record every `sync` message (until `settleMs` after the end). */
  readonly watchSync?: { readonly settleMs: number };
}

export interface RecordedWrite {
  readonly id: string;
  /** The version the answer gave (0 when it failed). */
  readonly version: number;
  readonly notes: string;
  readonly sentAt: number;
  readonly ms: number;
  readonly status: number;
}

export interface WritesResult {
  /** The measured window, from its first write to its last answer. */
  readonly seconds: number;
  readonly sent: number;
  readonly ok: number;
  /** 409 VERSION_CONFLICT: each write named its account's current version, so there should be none. */
  readonly conflicts: number;
  /** Anything else that is not a 2xx, and transport errors. */
  readonly failed: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** 2xx answers per second of the measured window. */
  readonly okPerSecond: number;
  readonly latency: LatencySummary;
  /** Open pace only: slots of the schedule that found no idle account or too many writes in flight. */
  readonly skipped: number;
  readonly writes?: readonly RecordedWrite[];
  readonly syncMessages?: readonly { readonly cursor: string; readonly at: number }[];
}

/** Requests one after another (or `concurrency` at a time), each timed. */
export interface SequenceJob extends Target {
  readonly kind: 'sequence';
  readonly requests: readonly { readonly method: string; readonly path: string; readonly body?: unknown }[];
  readonly concurrency: number;
}

export interface SequenceResult {
  readonly seconds: number;
  readonly results: readonly {
    readonly ms: number;
    readonly status: number;
    /**
     * Items of a batch or a push that did not succeed (`summary.failed` of a batch; results of a push
     * not `applied`); 0 for other answers.
     */
    readonly itemFailures: number;
    /** The error code of a failed request. */
    readonly error?: string;
  }[];
}

/** A client catching up: `POST /api/v2/sync/changes` from `cursor` (or the start) until `hasMore` is false. */
export interface CatchUpJob extends Target {
  readonly kind: 'catch-up';
  readonly limit: number;
  readonly cursor?: string;
}

export interface CatchUpResult {
  readonly seconds: number;
  readonly pages: number;
  /** Items received: created + updated + deleted of every resource, over every page. */
  readonly changes: number;
  readonly pageLatency: LatencySummary;
  /** The last page's cursor. */
  readonly cursor: string;
}

export type WorkloadJob = WritesJob | SequenceJob | CatchUpJob;
type ResultOf<J extends WorkloadJob> = J extends WritesJob
  ? WritesResult
  : J extends SequenceJob
    ? SequenceResult
    : CatchUpResult;

const childScript = new URL('./workload-child.ts', import.meta.url);
const tsxLoader = import.meta.resolve('tsx');

export function runWorkload<J extends WorkloadJob>(job: J): Promise<ResultOf<J>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, childScript.pathname], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`workload ${job.kind} exited with ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout) as ResultOf<J>);
      } catch (error) {
        reject(new Error(`unreadable workload output: ${stdout.slice(0, 200)}`, { cause: error }));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
