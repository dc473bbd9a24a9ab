/**
 * `npm run start:distributed`: every service and the gateway as separate processes on this machine,
 * meeting on NATS and sharing one PostgreSQL server, the way Kubernetes runs them (one per pod).
 * Their output is prefixed with their name; SIGINT/SIGTERM is forwarded to all of them; this process
 * exits once they have all stopped (with 1 if any of them failed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@cairn/shared/logging';
import { runUntilSignalled } from '@cairn/shared/runtime';
import { SERVICE_NAMES } from './services.js';

const DEFAULTS = {
  NATS_URL: 'nats://127.0.0.1:4222',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
} as const;

const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = resolve(here, '..', '..', '..');
const runService = join(here, 'run-service.ts');

const logger = createLogger({ name: 'distributed', level: process.env.LOG_LEVEL || 'info' });
const env: NodeJS.ProcessEnv = { ...process.env };
for (const [key, value] of Object.entries(DEFAULTS)) {
  if (!env[key]) {
    env[key] = value;
    logger.info(`${key} is not set; using ${value}`);
  }
}

const names = [...SERVICE_NAMES, 'gateway'];
const width = Math.max(...names.map((n) => n.length));
const children = new Map<string, ChildProcess>();
let stopping = false;
let failed = false;

for (const name of names) {
  // Own process group (detached): a Ctrl-C in the terminal reaches only us, and we forward it once.
  const child = spawn(process.execPath, ['--import', 'tsx', runService, name], {
    cwd: repositoryRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(name, child);
  const prefix = `${name.padEnd(width)} | `;
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    const clean = code === 0 || (stopping && signal !== null && signal !== 'SIGKILL');
    if (!clean) failed = true;
    logger.info({ process: name, code, signal }, `${name} exited (${signal ?? `code ${code}`})`);
    // One process down takes the others down: a half-running platform misleads more than a stopped one.
    if (!stopping) stopAll('SIGTERM');
    if (children.size === 0) process.exit(failed ? 1 : 0);
  });
}
logger.info(`started ${names.join(', ')} as separate processes; gateway on port ${env.PORT || 8080}`);

function stopAll(signal: NodeJS.Signals): void {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}

// If we are killed outright, do not leave the children running.
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

runUntilSignalled(
  () =>
    new Promise<void>((resolveStopped) => {
      stopAll('SIGTERM');
      const check = setInterval(() => {
        if (children.size === 0) {
          clearInterval(check);
          resolveStopped();
        }
      }, 50);
    }),
  {
    logger,
    // Longer than the children's own 30 s limit, so they get to finish theirs.
    timeoutMs: 40_000,
  },
);
