import { open, readFile, unlink } from 'node:fs/promises';
import { platform } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** true when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * true while the process runs. A zombie (exited, not yet reaped by its parent) counts as gone: in a
 * container whose pid 1 does not reap, an orphan that exited stays a zombie forever.
 */
export async function isRunning(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Format: `pid (comm) state …`; comm may contain spaces or parentheses, so read after the last `)`.
  const state = stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z';
}

/** Lock files this process holds, so that a lock naming our own pid can be told apart from a stale one. */
const heldLocks = new Set<string>();

/**
 * One Cairn process per data folder: a second one would stop the first one's database while treating
 * it as an orphan. The lock is a file holding the owner's pid; a lock whose process is gone, or is
 * not a Node.js process any more (pids are reused, e.g. pid 1 in a restarted container), is stale.
 */
export async function acquireDataDirLock(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = join(dataDir, 'cairn.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      heldLocks.add(lockFile);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        heldLocks.delete(lockFile);
        await unlink(lockFile).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (await lockIsLive(lockFile, owner)) {
        throw new Error(
          `The data folder ${dataDir} is in use by another Cairn process (pid ${owner}); stop it first, or set ` +
            'CAIRN_DATA_DIR to another folder.',
        );
      }
      await unlink(lockFile).catch(() => undefined);
    }
  }
  throw new Error(`could not lock the data folder ${dataDir}`);
}

async function lockIsLive(lockFile: string, pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return heldLocks.has(lockFile);
  if (!isAlive(pid)) return false;
  if (platform() !== 'linux') return true;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || /node|tsx/.test(cmdline);
}
