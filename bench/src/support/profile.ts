/**
 * `BENCH_CPU_PROFILE=<folder>`: a V8 CPU profile of this process (the platform under test) for each
 * measured phase alone, written as `<folder>/<scenario>-<phase>-<time>.cpuprofile` (open it in Chrome
 * DevTools or VS Code). `node --cpu-prof` profiles the whole run, set-up and seeding included; this
 * shows one phase's load. Unset: nothing is profiled and nothing is slowed down.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';

export async function profiled<T>(label: string, work: () => Promise<T>, log: (message: string) => void): Promise<T> {
  const folder = process.env.BENCH_CPU_PROFILE;
  if (!folder) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = join(resolve(folder), `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    await mkdir(resolve(folder), { recursive: true });
    await writeFile(file, JSON.stringify(profile));
    log(`CPU profile of ${label}: ${file}`);
  }
}
