/** What a benchmark scenario is and what it reports. */

export interface Target {
  /** `>=`: higher is better (throughput); `<=`: lower is better (latency, time). */
  readonly op: '>=' | '<=';
  readonly value: number;
}

export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Absent for figures reported for comparison only (e.g. the other event store). */
  readonly target?: Target;
  /** Anything a reader needs to interpret the number. */
  readonly note?: string;
}

export interface ScenarioContext {
  /** Prints a progress line (to stderr, so piping the table stays clean). */
  log(message: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: ScenarioContext): Promise<Metric[]>;
}

export type Verdict = 'pass' | 'fail' | 'info';

export function verdict(metric: Metric): Verdict {
  if (!metric.target) return 'info';
  const { op, value } = metric.target;
  return (op === '>=' ? metric.value >= value : metric.value <= value) ? 'pass' : 'fail';
}
