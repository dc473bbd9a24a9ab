/**
 * Latency samples summed up the way the scenarios report them: how many, and the median, p95, p99 and
 * worst. Computed where the samples are taken (the load generator), so only the summary travels.
 */
import { percentile } from './stats.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: 0, mean: 0 };
  let max = 0;
  let total = 0;
  for (const sample of samples) {
    max = Math.max(max, sample);
    total += sample;
  }
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(max),
    mean: round(total / samples.length),
  };
}

/** `p50 3.1 ms, p95 …` for a metric's note. */
export function describeLatency(summary: LatencySummary): string {
  return `p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms (n=${summary.count})`;
}
