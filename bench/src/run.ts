/**
 * The benchmark runner: `npm run bench -- [scenario...]` (all scenarios when none is named).
 * Prints one table per scenario and writes its figures to bench/results/<scenario>-<timestamp>.json.
 * Exits 1 when a metric misses its target, so a script can gate on it.
 * Everything runs against 127.0.0.1; PostgreSQL comes from DATABASE_URL, else an embedded server.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable } from './report.js';
import type { Metric, Scenario } from './scenario.js';
import { verdict } from './scenario.js';
import { accountsScenario } from './scenarios/accounts.js';
import { eventstoreScenario } from './scenarios/eventstore.js';
import { httpScenario } from './scenarios/http.js';
import { startupScenario } from './scenarios/startup.js';
import { syncScenario } from './scenarios/sync.js';

const SCENARIOS: readonly Scenario[] = [
  eventstoreScenario,
  httpScenario,
  startupScenario,
  accountsScenario,
  syncScenario,
];
const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results');

const requested = process.argv.slice(2).filter((a) => a !== '--');
const unknown = requested.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}`);
  console.error(`available: ${SCENARIOS.map((s) => `${s.name} (${s.description})`).join('; ')}`);
  process.exit(2);
}
const chosen = requested.length > 0 ? SCENARIOS.filter((s) => requested.includes(s.name)) : SCENARIOS;

let missed = 0;
for (const scenario of chosen) {
  const log = (message: string) => console.error(`[${scenario.name}] ${message}`);
  const startedAt = new Date();
  let metrics: Metric[];
  try {
    metrics = await scenario.run({ log });
  } catch (error) {
    console.error(`[${scenario.name}] failed: ${(error as Error).stack ?? error}`);
    missed++;
    continue;
  }
  console.log(`\n${renderTable(scenario.name, metrics)}\n`);
  missed += metrics.filter((m) => verdict(m) === 'fail').length;

  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `${scenario.name}-${stamp}.json`);
  await mkdir(resultsDir, { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify(
      {
        scenario: scenario.name,
        description: scenario.description,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        machine: { node: process.version, platform: process.platform, arch: process.arch },
        metrics: metrics.map((m) => ({ ...m, result: verdict(m) })),
      },
      null,
      2,
    )}\n`,
  );
  console.error(`[${scenario.name}] results written to ${file}`);
}
process.exit(missed > 0 ? 1 : 0);
