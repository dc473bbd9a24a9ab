/**
 * A service as its own process, as Kubernetes runs it: `run-service.ts <name>` as a child process, with
 * its output kept for failure messages, and a wait for its health endpoint.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runService = fileURLToPath(new URL('../../src/run-service.ts', import.meta.url));

export interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export function startProcess(name: string, env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', runService, name], {
    env: { ...process.env, LOG_LEVEL: 'info', CAIRN_PASSWORD_HASH_COST: '10', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitFor200(url: string, run: Run, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (run.child.exitCode !== null) throw new Error(`process exited (${run.child.exitCode}): ${run.output()}`);
    if (Date.now() > deadline) throw new Error(`${url} answered ${status} after ${timeoutMs} ms: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
