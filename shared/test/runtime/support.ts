import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh, empty folder for a data directory, removed by the returned function. */
export async function tempDataDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'cairn-runtime-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
