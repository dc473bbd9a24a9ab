/**
 * Time from `npm start` to `/ready` answering 200, as a developer meets it: a child process in
 * embedded mode (embedded PostgreSQL, in-process bus) on a fresh data folder, then again on the same
 * folder. Each run is stopped like a Ctrl-C in the terminal (SIGINT to the process group) and must
 * stop cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@cairn/shared/runtime';
import type { Metric, Scenario, ScenarioContext } from '../scenario.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const READY_TIMEOUT_MS = 120_000;

interface Started {
  readonly child: ChildProcess;
  readonly readySeconds: number;
  readonly output: () => string;
}

async function startCairn(env: NodeJS.ProcessEnv, port: number): Promise<Started> {
  const started = performance.now();
  // Its own process group, so the stop below reaches npm, tsx and node at once, as a terminal's Ctrl-C does.
  const child = spawn('npm', ['start'], {
    cwd: repositoryRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`npm start exited with ${code} before /ready: ${output.slice(-2_000)}`)),
    ),
  );
  exited.catch(() => undefined);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (Date.now() > deadline) {
      signalGroup(child.pid!, 'SIGKILL');
      throw new Error(`/ready did not answer 200 within ${READY_TIMEOUT_MS / 1000} s: ${output.slice(-2_000)}`);
    }
    const ready = await Promise.race([
      fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.status === 200,
        () => false,
      ),
      exited,
    ]);
    if (ready) return { child, readySeconds: (performance.now() - started) / 1000, output: () => output };
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * SIGINT to the whole group, then wait until every process of the group is gone (npm itself dies of the
 * signal at once; what matters is Cairn's own process). Clean means Cairn logged that it stopped.
 */
async function stopCairn(started: Started): Promise<{ clean: boolean; seconds: number }> {
  const began = performance.now();
  const group = started.child.pid!;
  signalGroup(group, 'SIGINT');
  const deadline = Date.now() + 60_000;
  while (groupAlive(group)) {
    if (Date.now() > deadline) {
      signalGroup(group, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const output = started.output();
  const clean = output.includes('"msg":"stopped"') && !/graceful stop (failed|timed out)/.test(output);
  return { clean, seconds: (performance.now() - began) / 1000 };
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

async function run(context: ScenarioContext): Promise<Metric[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cairn-bench-startup-'));
  try {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Embedded mode, as on a fresh machine: no external PostgreSQL, no NATS.
      DATABASE_URL: '',
      NATS_URL: '',
      EVENTSTORE_URL: '',
      CAIRN_DATA_DIR: dataDir,
      CAIRN_EMBEDDED_PG_PORT: String(await freePort()),
      PORT: String(port),
      HOST: '127.0.0.1',
      // Info, not less: the clean-stop check reads Cairn's "stopped" line.
      LOG_LEVEL: 'info',
      ACCESS_LOG: 'off',
    };
    const metrics: Metric[] = [];
    for (const [label, target] of [
      ['first start (empty data folder)', 15],
      ['second start (same folder)', 5],
    ] as const) {
      context.log(`${label}: npm start until /ready answers 200`);
      const started = await startCairn(env, port);
      const stopped = await stopCairn(started);
      if (!stopped.clean) context.log(`did not stop cleanly; output: ${started.output().slice(-2_000)}`);
      metrics.push(
        { name: `${label} → ready`, value: started.readySeconds, unit: 's', target: { op: '<=', value: target } },
        { name: `${label} → stopped (Ctrl-C)`, value: stopped.seconds, unit: 's' },
        {
          name: `${label} stopped cleanly`,
          value: stopped.clean ? 1 : 0,
          unit: '1 = yes',
          target: { op: '>=', value: 1 },
        },
      );
    }
    return metrics;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const startupScenario: Scenario = {
  name: 'startup',
  description: '`npm start` to /ready = 200 in embedded mode: first start on an empty data folder, then a restart',
  run,
};
